//! Every Redis error text that more than one place sends, in one place, so
//! they can be checked byte for byte against Redis. Texts are without the
//! leading `-` and the trailing CRLF.

/// Operation on a key of another type.
pub const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
/// A malformed option list.
pub const SYNTAX: &str = "ERR syntax error";
/// An argument that must be a 64-bit integer.
pub const NOT_INTEGER: &str = "ERR value is not an integer or out of range";
/// An argument that must be a double.
pub const NOT_FLOAT: &str = "ERR value is not a valid float";
/// INCR/DECR past the 64-bit range.
pub const OVERFLOW: &str = "ERR increment or decrement would overflow";
/// A missing key where one is required (RENAME...).
pub const NO_SUCH_KEY: &str = "ERR no such key";
/// A database index out of range.
pub const DB_INDEX: &str = "ERR DB index is out of range";
/// Authentication required.
pub const NOAUTH: &str = "NOAUTH Authentication required.";
/// A command without the LOADING flag while the data set loads.
pub const LOADING: &str = "LOADING Redis is loading the dataset in memory";
/// Wrong password for the default user.
pub const WRONGPASS: &str = "WRONGPASS invalid username-password pair or user is disabled.";
/// A string would exceed `proto-max-bulk-len`.
pub const STRING_TOO_LONG: &str = "ERR string exceeds maximum allowed size (proto-max-bulk-len)";
/// A bit offset out of range.
pub const BIT_OFFSET: &str = "ERR bit offset is not an integer or out of range";
/// An expiry time that is not valid for the command.
pub const INVALID_EXPIRE: &str = "ERR invalid expire time in '{}' command";

/// `ERR unknown command '<name>', with args beginning with: '<a>' '<b>' `,
/// built as Redis does: each part stops at a NUL byte (C string), the name
/// is cut at 128 bytes, and arguments are added while the list is shorter
/// than 128 bytes, each cut to what is left of those 128.
pub fn unknown_command(args: &[bytes::Bytes]) -> Vec<u8> {
    let mut list: Vec<u8> = Vec::new();
    for a in args.iter().skip(1) {
        if list.len() >= 128 {
            break;
        }
        let room = 128 - list.len();
        let part = c_str(a);
        list.push(b'\'');
        list.extend_from_slice(&part[..part.len().min(room)]);
        list.extend_from_slice(b"' ");
    }
    let name = args.first().map(|a| c_str(a)).unwrap_or(&[]);
    let mut s = b"ERR unknown command '".to_vec();
    s.extend_from_slice(&name[..name.len().min(128)]);
    s.extend_from_slice(b"', with args beginning with: ");
    s.extend_from_slice(&list);
    s
}

/// The bytes of `b` up to its first NUL, as C's `%s` would print them.
pub fn c_str(b: &[u8]) -> &[u8] {
    match memchr::memchr(0, b) {
        Some(i) => &b[..i],
        None => b,
    }
}

/// `ERR unknown subcommand '<sub>'. Try <CMD> HELP.`
pub fn unknown_subcommand(cmd: &str, sub: &[u8]) -> String {
    format!(
        "ERR unknown subcommand '{}'. Try {} HELP.",
        truncate(&String::from_utf8_lossy(c_str(sub)), 128),
        cmd.to_uppercase()
    )
}

/// `ERR wrong number of arguments for '<name>' command`.
pub fn wrong_arity(name: &str) -> String {
    format!("ERR wrong number of arguments for '{}' command", name)
}

/// The INVALID_EXPIRE text for `cmd`.
pub fn invalid_expire(cmd: &str) -> String {
    format!("ERR invalid expire time in '{}' command", cmd)
}

fn truncate(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}
