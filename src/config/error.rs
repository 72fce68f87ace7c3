//! Typed errors of the configuration module.
//!
//! Three different things can go wrong with configuration, and Redis reports
//! each of them in its own way, so each gets its own type:
//!
//! * [`ConfigError`]: loading the configuration at start-up (config file,
//!   included files, command-line options) failed. Redis prints a
//!   `*** FATAL CONFIG FILE ERROR ***` block and exits; the `Display`
//!   implementation reproduces that block byte for byte (apart from the
//!   version number, which is Shardis' own).
//! * [`ConfigSetError`]: a `CONFIG SET` was refused. `Display` gives the error
//!   reply text exactly as Redis sends it, without the leading `-` of RESP.
//! * [`RewriteError`]: `CONFIG REWRITE` failed; `Display` again gives the
//!   error reply text.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// The version printed in the fatal configuration error banner, where Redis
/// prints its own version (`*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***`).
///
/// Shardis prints its own crate version there, so an operator can tell which
/// build rejected the file.
pub const BANNER_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Where a configuration line came from: the file (if any), the 1-based line
/// number inside the text being loaded, and the line itself (trimmed, as Redis
/// shows it after `>>> `).
///
/// Kept for directives whose validation happens later, outside this module
/// (`rename-command`, `user`), so that the server can still report errors in
/// Redis' format with [`ConfigError::at`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The file the line was read from; `None` for command-line options and
    /// standard input (Redis does not distinguish them either).
    pub file: Option<PathBuf>,
    /// 1-based line number, counted the way Redis counts it: over the whole
    /// text loaded in one go (file + stdin + command-line options), or over
    /// the included file for lines of an `include`d file.
    pub line: usize,
    /// The line, trimmed of surrounding blanks.
    pub text: String,
}

/// A configuration could not be loaded. Redis refuses to start in all cases.
///
/// `Display` produces exactly what Redis writes to stderr (the leading empty
/// line of the fatal block included, no trailing newline), e.g.
///
/// ```text
///
/// *** FATAL CONFIG FILE ERROR (Redis 0.1.0) ***
/// Reading the configuration file, at line 2
/// >>> 'foo bar'
/// Bad directive or wrong number of arguments
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigError {
    /// A line was rejected: unknown directive, wrong number of arguments,
    /// invalid value, unbalanced quotes...
    Line {
        /// Where the offending line is.
        origin: Origin,
        /// Redis' reason text (e.g. `argument must be a memory value`).
        reason: String,
    },
    /// A check done after all lines were read failed (for example
    /// `Can't open the log file: ...` or
    /// `replicaof directive not allowed in cluster mode`). Redis prints the
    /// fatal banner and the reason without a line reference.
    Global {
        /// Redis' reason text.
        reason: String,
    },
    /// A configuration file (the main one or an included one) could not be
    /// read. Redis logs `Fatal error, can't open config file '<path>': <err>`
    /// and exits; `Display` gives that sentence.
    Open {
        /// The path as Redis prints it (absolute for the main file, as written
        /// for an `include`).
        path: String,
        /// The operating system's error text (strerror).
        reason: String,
    },
}

impl ConfigError {
    /// Builds a line error for a line whose origin was recorded earlier, for
    /// checks the server does after loading (e.g. `rename-command` of a
    /// command that does not exist: `No such command in rename-command`).
    pub fn at(origin: &Origin, reason: impl Into<String>) -> ConfigError {
        ConfigError::Line {
            origin: origin.clone(),
            reason: reason.into(),
        }
    }

    /// The 1-based line number of the offending line, if the error is about
    /// a line.
    pub fn line(&self) -> Option<usize> {
        match self {
            ConfigError::Line { origin, .. } => Some(origin.line),
            _ => None,
        }
    }

    /// The offending line (trimmed), if the error is about a line.
    pub fn line_text(&self) -> Option<&str> {
        match self {
            ConfigError::Line { origin, .. } => Some(&origin.text),
            _ => None,
        }
    }

    /// The file holding the offending line, when known.
    pub fn file(&self) -> Option<&Path> {
        match self {
            ConfigError::Line { origin, .. } => origin.file.as_deref(),
            _ => None,
        }
    }

    /// The reason, as Redis words it.
    pub fn reason(&self) -> &str {
        match self {
            ConfigError::Line { reason, .. } => reason,
            ConfigError::Global { reason } => reason,
            ConfigError::Open { reason, .. } => reason,
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Line { origin, reason } => write!(
                f,
                "\n*** FATAL CONFIG FILE ERROR (Redis {BANNER_VERSION}) ***\n\
                 Reading the configuration file, at line {}\n>>> '{}'\n{}",
                origin.line, origin.text, reason
            ),
            ConfigError::Global { reason } => write!(
                f,
                "\n*** FATAL CONFIG FILE ERROR (Redis {BANNER_VERSION}) ***\n{reason}"
            ),
            ConfigError::Open { path, reason } => {
                write!(f, "Fatal error, can't open config file '{path}': {reason}")
            }
        }
    }
}

impl std::error::Error for ConfigError {}

/// A `CONFIG SET` was refused; nothing was changed (CONFIG SET is atomic).
///
/// `Display` gives the full error reply, without RESP's leading `-`, e.g.
/// `ERR Unknown option or number of arguments for CONFIG SET - 'foo'`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigSetError {
    /// No parameter of that name (`name` as the client wrote it).
    Unknown {
        /// The parameter name as given.
        name: String,
    },
    /// The parameter exists but could not be set: immutable, protected,
    /// duplicated in the same call, or the value is invalid.
    Failed {
        /// The parameter name as Redis reports it (as given for immutable,
        /// protected and duplicate errors; the registered name, i.e. the
        /// lowercase canonical name or alias, for invalid values).
        name: String,
        /// Redis' reason text, when there is one.
        reason: Option<String>,
    },
    /// The parameter may not be changed while the dataset is loading
    /// (`appendonly`, `repl-diskless-load`, `dir`); Redis answers with its
    /// shared `-LOADING` error.
    Loading,
}

impl fmt::Display for ConfigSetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigSetError::Unknown { name } => {
                write!(
                    f,
                    "ERR Unknown option or number of arguments for CONFIG SET - '{name}'"
                )
            }
            ConfigSetError::Failed {
                name,
                reason: Some(reason),
            } => write!(
                f,
                "ERR CONFIG SET failed (possibly related to argument '{name}') - {reason}"
            ),
            ConfigSetError::Failed { name, reason: None } => {
                write!(
                    f,
                    "ERR CONFIG SET failed (possibly related to argument '{name}')"
                )
            }
            ConfigSetError::Loading => write!(f, "LOADING Redis is loading the dataset in memory"),
        }
    }
}

impl std::error::Error for ConfigSetError {}

/// `CONFIG REWRITE` failed. `Display` gives the error reply without `-`.
#[derive(Debug)]
pub enum RewriteError {
    /// The server was started without a configuration file, so there is
    /// nothing to rewrite.
    NoConfigFile,
    /// Reading the old file or writing the new one failed.
    Io(io::Error),
}

impl fmt::Display for RewriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RewriteError::NoConfigFile => {
                write!(f, "ERR The server is running without a config file")
            }
            RewriteError::Io(e) => write!(f, "ERR Rewriting config file: {}", strerror(e)),
        }
    }
}

impl std::error::Error for RewriteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RewriteError::Io(e) => Some(e),
            RewriteError::NoConfigFile => None,
        }
    }
}

impl From<io::Error> for RewriteError {
    fn from(e: io::Error) -> Self {
        RewriteError::Io(e)
    }
}

/// The C library's `strerror()` text for an I/O error: Rust's message without
/// the ` (os error N)` suffix, which Redis never prints.
pub(crate) fn strerror(e: &io::Error) -> String {
    let s = e.to_string();
    match s.rfind(" (os error ") {
        Some(i) if s.ends_with(')') => s[..i].to_string(),
        _ => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fatal_block_matches_redis_layout() {
        let e = ConfigError::Line {
            origin: Origin {
                file: None,
                line: 2,
                text: "foo bar".into(),
            },
            reason: "Bad directive or wrong number of arguments".into(),
        };
        assert_eq!(
            e.to_string(),
            format!(
                "\n*** FATAL CONFIG FILE ERROR (Redis {BANNER_VERSION}) ***\n\
                 Reading the configuration file, at line 2\n>>> 'foo bar'\n\
                 Bad directive or wrong number of arguments"
            )
        );
        assert_eq!(e.line(), Some(2));
        assert_eq!(e.line_text(), Some("foo bar"));
        assert_eq!(e.reason(), "Bad directive or wrong number of arguments");
    }

    #[test]
    fn global_and_open_errors() {
        let g = ConfigError::Global {
            reason: "replicaof directive not allowed in cluster mode".into(),
        };
        assert!(g
            .to_string()
            .ends_with("***\nreplicaof directive not allowed in cluster mode"));
        assert_eq!(g.line(), None);
        let o = ConfigError::Open {
            path: "/x.conf".into(),
            reason: "No such file or directory".into(),
        };
        assert_eq!(
            o.to_string(),
            "Fatal error, can't open config file '/x.conf': No such file or directory"
        );
    }

    #[test]
    fn set_error_texts() {
        assert_eq!(
            ConfigSetError::Unknown { name: "foo".into() }.to_string(),
            "ERR Unknown option or number of arguments for CONFIG SET - 'foo'"
        );
        assert_eq!(
            ConfigSetError::Failed {
                name: "daemonize".into(),
                reason: Some("can't set immutable config".into())
            }
            .to_string(),
            "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config"
        );
        assert_eq!(
            RewriteError::NoConfigFile.to_string(),
            "ERR The server is running without a config file"
        );
    }

    #[test]
    fn strerror_strips_os_error_suffix() {
        let e = io::Error::from_raw_os_error(2);
        assert_eq!(strerror(&e), "No such file or directory");
    }
}
