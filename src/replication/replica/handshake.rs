//! The handshake with the master, in Redis' order: PING, AUTH, REPLCONF
//! listening-port / ip-address / capa, then PSYNC.

use std::time::Duration;

use super::conn::{LinkError, MasterConn};
use crate::replication::role::LinkState;

/// What the master answered to PSYNC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Psync {
    /// `+FULLRESYNC <replid> <offset>`: an RDB follows.
    Full {
        /// The master's replication id.
        replid: String,
        /// The offset the RDB corresponds to.
        offset: u64,
    },
    /// `+CONTINUE [<replid>]`: the stream continues from our offset.
    Continue {
        /// The master's id if it announced one.
        replid: Option<String>,
    },
    /// The master cannot serve a sync now (`-NOMASTERLINK`, `-LOADING`,
    /// or an error): try again later.
    Retry,
}

/// Settings the handshake sends.
#[derive(Debug, Clone)]
pub struct HandshakeSettings {
    /// `masteruser`.
    pub user: Option<Vec<u8>>,
    /// `masterauth`.
    pub pass: Option<Vec<u8>>,
    /// `replica-announce-port`, else our port.
    pub port: u16,
    /// `replica-announce-ip`.
    pub ip: Option<Vec<u8>>,
    /// `repl-timeout`.
    pub timeout: Duration,
}

impl HandshakeSettings {
    /// Reads them from the configuration.
    pub fn from_shared(shared: &crate::server::shared::ServerShared) -> HandshakeSettings {
        let c = shared.config();
        let announce = c.get_i64("replica-announce-port").unwrap_or(0);
        HandshakeSettings {
            user: c.get_bytes("masteruser").map(<[u8]>::to_vec),
            pass: c.masterauth(),
            port: if announce > 0 && announce <= u16::MAX as i64 {
                announce as u16
            } else {
                c.port()
            },
            ip: c
                .get_bytes("replica-announce-ip")
                .filter(|b| !b.is_empty())
                .map(<[u8]>::to_vec),
            timeout: super::link::repl_timeout(&c),
        }
    }
}

/// Runs the handshake up to and including the PSYNC reply.
pub async fn run(conn: &mut MasterConn, s: &HandshakeSettings) -> Result<Psync, LinkError> {
    super::link::set_state(&conn.shared, LinkState::Handshake);
    let t = s.timeout;
    let pong = conn.command(&[b"PING"], t).await?;
    // -NOAUTH (and a user without permission to PING) still let the
    // handshake go on: AUTH comes next.
    if pong.starts_with('-')
        && !pong.starts_with("-NOAUTH")
        && !pong.starts_with("-NOPERM")
        && !pong.starts_with("-ERR operation not permitted")
    {
        crate::warning!("Error reply to PING from master: '{}'", pong);
        return Err(LinkError::Protocol(pong));
    }
    crate::notice!("Master replied to PING, replication can continue...");
    if let Some(pass) = &s.pass {
        let reply = match &s.user {
            Some(user) => conn.command(&[b"AUTH", user, pass], t).await?,
            None => conn.command(&[b"AUTH", pass], t).await?,
        };
        if reply.starts_with('-') {
            crate::warning!("Unable to AUTH to MASTER: {}", reply);
            return Err(LinkError::Protocol(reply));
        }
    }
    let port = s.port.to_string();
    let reply = conn
        .command(&[b"REPLCONF", b"listening-port", port.as_bytes()], t)
        .await?;
    if reply.starts_with('-') {
        crate::notice!(
            "(Non critical) Master does not understand REPLCONF listening-port: {}",
            reply
        );
    }
    if let Some(ip) = &s.ip {
        let reply = conn.command(&[b"REPLCONF", b"ip-address", ip], t).await?;
        if reply.starts_with('-') {
            crate::notice!(
                "(Non critical) Master does not understand REPLCONF ip-address: {}",
                reply
            );
        }
    }
    let reply = conn
        .command(&[b"REPLCONF", b"capa", b"eof", b"capa", b"psync2"], t)
        .await?;
    if reply.starts_with('-') {
        crate::notice!(
            "(Non critical) Master does not understand REPLCONF capa: {}",
            reply
        );
    }
    psync(conn, t).await
}

/// Sends PSYNC (continuing this server's history when it has one) and
/// reads the answer, skipping the newlines a busy master sends meanwhile.
async fn psync(conn: &mut MasterConn, t: Duration) -> Result<Psync, LinkError> {
    let (id, next) = if super::has_history() {
        let st = conn.shared.repl.lock();
        (st.replid.clone(), (st.offset + 1).to_string())
    } else {
        ("?".to_string(), "-1".to_string())
    };
    if id == "?" {
        crate::notice!("Partial resynchronization not possible (no cached master)");
    } else {
        crate::notice!(
            "Trying a partial resynchronization (request {}:{}).",
            id,
            next
        );
    }
    let mut out = Vec::with_capacity(96);
    crate::journal::encode_command(&mut out, &[b"PSYNC", id.as_bytes(), next.as_bytes()]);
    conn.send(&out).await?;
    let reply = loop {
        let line = conn.read_line(t).await?;
        if !line.is_empty() {
            break line;
        }
    };
    Ok(parse_psync_reply(&reply))
}

/// Interprets the PSYNC reply line, logging as Redis does.
pub fn parse_psync_reply(reply: &str) -> Psync {
    if let Some(rest) = reply.strip_prefix("+FULLRESYNC") {
        let mut it = rest.split_ascii_whitespace();
        let (Some(id), Some(off)) = (it.next(), it.next().and_then(|o| o.parse::<u64>().ok()))
        else {
            crate::warning!("Master replied with wrong +FULLRESYNC syntax.");
            return Psync::Retry;
        };
        if id.len() != 40 {
            crate::warning!("Master replied with wrong +FULLRESYNC syntax.");
            return Psync::Retry;
        }
        crate::notice!("Full resync from master: {}:{}", id, off);
        return Psync::Full {
            replid: id.to_string(),
            offset: off,
        };
    }
    if let Some(rest) = reply.strip_prefix("+CONTINUE") {
        crate::notice!("Successful partial resynchronization with master.");
        let id = rest.trim();
        return Psync::Continue {
            replid: (id.len() == 40).then(|| id.to_string()),
        };
    }
    if reply.starts_with("-NOMASTERLINK") || reply.starts_with("-LOADING") {
        crate::notice!(
            "Master is currently unable to PSYNC but should be in the future: {}",
            reply
        );
        return Psync::Retry;
    }
    crate::warning!("Unexpected reply to PSYNC from master: {}", reply);
    Psync::Retry
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn psync_replies() {
        let id = "a".repeat(40);
        assert_eq!(
            parse_psync_reply(&format!("+FULLRESYNC {} 123", id)),
            Psync::Full {
                replid: id.clone(),
                offset: 123
            }
        );
        assert_eq!(
            parse_psync_reply(&format!("+CONTINUE {}", id)),
            Psync::Continue {
                replid: Some(id.clone())
            }
        );
        assert_eq!(
            parse_psync_reply("+CONTINUE"),
            Psync::Continue { replid: None }
        );
        assert_eq!(parse_psync_reply("-NOMASTERLINK Can't SYNC"), Psync::Retry);
        assert_eq!(parse_psync_reply("-LOADING loading"), Psync::Retry);
        assert_eq!(parse_psync_reply("+FULLRESYNC short 1"), Psync::Retry);
        assert_eq!(
            parse_psync_reply("-ERR unknown command 'PSYNC'"),
            Psync::Retry
        );
    }
}
