//! What INFO replication and ROLE show, for both roles.

use std::fmt::Write;
use std::sync::atomic::Ordering;

use crate::protocol::ReplyWriter;
use crate::replication::role::LinkState;
use crate::server::shared::ServerShared;
use crate::shard::keyspace::now_ms;

use super::registry::ReplicaState;

/// The fields of `INFO replication` (without the section header), in
/// Redis 7.0's order. `cfg` is the configuration the caller already holds
/// (INFO renders every section under one lock).
pub fn info_replication(shared: &ServerShared, cfg: &crate::config::Config) -> String {
    let mut out = String::new();
    let now = now_ms();
    let mut line = |k: &str, v: &dyn std::fmt::Display| {
        let _ = write!(out, "{}:{}\r\n", k, v);
    };
    let repl = &shared.repl;
    let link = shared.role.link().clone();
    match &link {
        None => line("role", &"master"),
        Some(l) => {
            let connected = l.state == LinkState::Connected;
            line("role", &"slave");
            line("master_host", &l.host);
            line("master_port", &l.port);
            line("master_link_status", &if connected { "up" } else { "down" });
            let io_ago: i64 = if connected {
                l.last_io.elapsed().as_secs() as i64
            } else {
                -1
            };
            line("master_last_io_seconds_ago", &io_ago);
            let syncing = l.state == LinkState::Transfer;
            line("master_sync_in_progress", &(syncing as u8));
            line("slave_read_repl_offset", &l.read_offset.max(repl.offset()));
            line("slave_repl_offset", &repl.offset());
            if syncing {
                let total = l.sync_total_bytes;
                let read = l.sync_read_bytes as i64;
                let left = if total < 0 { -1 } else { total - read };
                let perc = if total > 0 {
                    read as f64 * 100.0 / total as f64
                } else {
                    0.0
                };
                line("master_sync_total_bytes", &total);
                line("master_sync_read_bytes", &read);
                line("master_sync_left_bytes", &left);
                line("master_sync_perc", &format!("{:.2}", perc));
                line(
                    "master_sync_last_io_seconds_ago",
                    &l.last_io.elapsed().as_secs(),
                );
            }
            if !connected {
                let down: i64 = l.down_since.map_or(-1, |d| d.elapsed().as_secs() as i64);
                line("master_link_down_since_seconds", &down);
            }
            line(
                "slave_priority",
                &cfg.get_i64("replica-priority").unwrap_or(100),
            );
            line(
                "slave_read_only",
                &(cfg.get_bool("replica-read-only").unwrap_or(true) as u8),
            );
            line(
                "replica_announced",
                &(cfg.get_bool("replica-announced").unwrap_or(true) as u8),
            );
        }
    }
    let replicas = shared.replicas.snapshot();
    line("connected_slaves", &replicas.len());
    if shared.replicas.min_replicas_on() {
        line(
            "min_slaves_good_slaves",
            &shared.replicas.good_replicas(now),
        );
    }
    for (i, r) in replicas.iter().enumerate() {
        let _ = write!(
            out,
            "slave{}:ip={},port={},state={},offset={},lag={}\r\n",
            i,
            r.ip,
            r.port,
            r.state().word(),
            r.ack_offset.load(Ordering::Relaxed),
            r.lag_secs(now)
        );
    }
    let st = repl.lock();
    let (active, size, first, histlen) = match &st.backlog {
        Some(b) => (1, b.size() as u64, b.first_offset() + 1, b.histlen() as u64),
        None => (
            0,
            shared
                .replicas
                .settings
                .backlog_size
                .load(Ordering::Relaxed),
            0,
            0,
        ),
    };
    let mut line = |k: &str, v: &dyn std::fmt::Display| {
        let _ = write!(out, "{}:{}\r\n", k, v);
    };
    line("master_failover_state", &"no-failover");
    line("master_replid", &st.replid);
    line("master_replid2", &st.replid2);
    line("master_repl_offset", &st.offset);
    line("second_repl_offset", &st.second_offset);
    line("repl_backlog_active", &active);
    line("repl_backlog_size", &size);
    line("repl_backlog_first_byte_offset", &first);
    line("repl_backlog_histlen", &histlen);
    out
}

/// The ROLE reply.
pub fn role_reply(shared: &ServerShared, w: &mut ReplyWriter<'_>) {
    let link = shared.role.link().clone();
    match link {
        None => {
            let online: Vec<_> = shared
                .replicas
                .snapshot()
                .into_iter()
                .filter(|r| r.state() == ReplicaState::Online)
                .collect();
            w.array(3);
            w.bulk(b"master");
            w.int(shared.repl.offset() as i64);
            w.array(online.len());
            for r in online {
                w.array(3);
                w.bulk(r.ip.as_bytes());
                w.bulk(r.port.to_string().as_bytes());
                w.bulk(r.ack_offset.load(Ordering::Relaxed).to_string().as_bytes());
            }
        }
        Some(l) => {
            w.array(5);
            w.bulk(b"slave");
            w.bulk(l.host.as_bytes());
            w.int(l.port as i64);
            w.bulk(l.state.role_word().as_bytes());
            let off = if l.state == LinkState::Connected {
                shared.repl.offset() as i64
            } else {
                -1
            };
            w.int(off);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn names(text: &str) -> Vec<&str> {
        text.lines().filter_map(|l| l.split(':').next()).collect()
    }

    /// Field lists as redis-server 7.0.15 prints them.
    #[test]
    fn fields_in_redis_order_for_both_roles() {
        let shared = ServerShared::new(Config::default(), 1);
        let tail = [
            "connected_slaves",
            "master_failover_state",
            "master_replid",
            "master_replid2",
            "master_repl_offset",
            "second_repl_offset",
            "repl_backlog_active",
            "repl_backlog_size",
            "repl_backlog_first_byte_offset",
            "repl_backlog_histlen",
        ];
        let mut master = vec!["role"];
        master.extend(tail);
        assert_eq!(names(&info_replication(&shared, &shared.config())), master);
        shared.role.set_master(Some(("127.0.0.1".into(), 6379)));
        let mut replica = vec![
            "role",
            "master_host",
            "master_port",
            "master_link_status",
            "master_last_io_seconds_ago",
            "master_sync_in_progress",
            "slave_read_repl_offset",
            "slave_repl_offset",
            "master_link_down_since_seconds",
            "slave_priority",
            "slave_read_only",
            "replica_announced",
        ];
        replica.extend(tail);
        let text = info_replication(&shared, &shared.config());
        assert_eq!(names(&text), replica, "{text}");
        assert!(text.contains("master_link_status:down\r\n"));
        assert!(text.contains("master_last_io_seconds_ago:-1\r\n"));
        if let Some(l) = shared.role.link().as_mut() {
            l.state = LinkState::Connected;
            l.down_since = None;
        }
        let text = info_replication(&shared, &shared.config());
        let connected: Vec<&str> = replica
            .iter()
            .copied()
            .filter(|n| *n != "master_link_down_since_seconds")
            .collect();
        assert_eq!(names(&text), connected, "{text}");
        assert!(text.contains(
            "role:slave\r\nmaster_host:127.0.0.1\r\nmaster_port:6379\r\nmaster_link_status:up\r\n"
        ));
    }
}
