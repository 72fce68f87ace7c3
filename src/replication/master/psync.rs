//! The handshake a replica does on a normal connection before it becomes
//! a feed: `REPLCONF` options, then `PSYNC replid offset` or `SYNC`.
//! What they set is kept in [`ReplicaHello`] on the connection; the
//! connection hands the socket to [`super::feed::serve`] once a sync is
//! asked for.

/// What a would-be replica told us on its connection.
#[derive(Debug, Default, Clone)]
pub struct ReplicaHello {
    /// `REPLCONF listening-port`.
    pub listening_port: u16,
    /// `REPLCONF ip-address`.
    pub ip_address: Option<String>,
    /// `REPLCONF capa eof`: it can read the diskless `$EOF:` framing.
    pub capa_eof: bool,
    /// `REPLCONF capa psync2`: it understands `+CONTINUE <replid>`.
    pub capa_psync2: bool,
    /// The synchronization it asked for (set by PSYNC or SYNC).
    pub sync: Option<SyncAsk>,
}

/// A synchronization request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncAsk {
    /// `PSYNC`'s replication id (`None` for the old `SYNC`).
    pub replid: Option<String>,
    /// `PSYNC`'s offset: the next byte it wants, numbered from 1 (-1 when
    /// it asks for a full copy or the argument was not a number).
    pub offset: i64,
}

impl ReplicaHello {
    /// The name Redis logs a replica by: `ip:listening-port`, the ip
    /// being the announced one or the connection's peer address.
    pub fn name(&self, peer: &str) -> String {
        format!("{}:{}", self.ip(peer), self.listening_port)
    }

    /// The replica's address: the announced one, or the host part of
    /// `peer` (`ip:port`, IPv6 in brackets).
    pub fn ip(&self, peer: &str) -> String {
        if let Some(ip) = &self.ip_address {
            return ip.clone();
        }
        let host = peer.rsplit_once(':').map_or(peer, |(h, _)| h);
        host.trim_start_matches('[')
            .trim_end_matches(']')
            .to_string()
    }
}

/// Whether PSYNC's offset lies in the backlog for `replid`: the stream
/// offset to continue from, or `None` (full sync needed) with the reason
/// Redis logs.
pub fn partial_from(
    repl: &crate::replication::stream::ReplStream,
    ask: &SyncAsk,
) -> Result<u64, Option<String>> {
    let Some(replid) = ask.replid.as_deref() else {
        return Err(None);
    };
    if replid == "?" {
        return Err(None);
    }
    let from = ask.offset.saturating_sub(1).max(0) as u64;
    if ask.offset >= 1 && repl.can_continue(replid, from) {
        return Ok(from);
    }
    let st = repl.lock();
    let id_known = replid == st.replid
        || (replid == st.replid2 && st.second_offset >= 0 && from < st.second_offset as u64);
    if !id_known {
        let why = if replid == st.replid2 {
            format!(
                "Partial resynchronization not accepted: Requested offset for second ID was {}, but I can reply up to {}",
                ask.offset, st.second_offset
            )
        } else {
            format!(
                "Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '{}', my replication IDs are '{}' and '{}')",
                replid, st.replid, st.replid2
            )
        };
        return Err(Some(why));
    }
    Err(Some(String::new()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replication::stream::ReplStream;

    #[test]
    fn names_and_partial_checks() {
        let h = ReplicaHello {
            listening_port: 6380,
            ..Default::default()
        };
        assert_eq!(h.name("127.0.0.1:51234"), "127.0.0.1:6380");
        assert_eq!(h.ip("[::1]:5"), "::1");
        let s = ReplStream::new("a".repeat(40));
        s.ensure_backlog(100);
        s.append(b"0123456789");
        let ask = |id: &str, o| SyncAsk {
            replid: Some(id.to_string()),
            offset: o,
        };
        assert_eq!(partial_from(&s, &ask(&"a".repeat(40), 1)), Ok(0));
        assert_eq!(partial_from(&s, &ask(&"a".repeat(40), 11)), Ok(10));
        assert_eq!(
            partial_from(&s, &ask(&"a".repeat(40), 12)),
            Err(Some(String::new()))
        );
        assert_eq!(partial_from(&s, &ask("?", -1)), Err(None));
        assert_eq!(
            partial_from(&s, &ask(&"a".repeat(40), 0)),
            Err(Some(String::new()))
        );
        assert!(
            matches!(partial_from(&s, &ask(&"b".repeat(40), 5)), Err(Some(t)) if t.contains("mismatch"))
        );
    }
}
