#!/usr/bin/env bash
# Full-disk check (needs root: mounts a small tmpfs). Starts shardis with
# its `dir` on a 4 MiB tmpfs, saves a small data set, then grows the data
# past what the disk holds and checks that:
#   - BGSAVE fails with the error logged and rdb_last_bgsave_status:err,
#     the file saved before is untouched and no temp file is left;
#   - with save points set, writes answer -MISCONF and reads still work;
#   - with appendonly, a failed AOF write shows aof_last_write_status:err
#     and writes answer `-MISCONF Errors writing to the AOF file: ...`.
# Usage: scripts/full_disk_check.sh [path/to/shardis-server]
set -euo pipefail
BIN=${1:-target/release/shardis-server}
[ -x "$BIN" ] || { echo "no binary at $BIN (cargo build --release)" >&2; exit 2; }
MNT=$(mktemp -d /tmp/shardis-full-XXXXXX)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
PID=
cleanup() {
  [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
  umount "$MNT" 2>/dev/null || true
  rmdir "$MNT" 2>/dev/null || true
}
trap cleanup EXIT
mount -t tmpfs -o size=4m tmpfs "$MNT"
cli() { redis-cli -p "$PORT" "$@"; }
"$BIN" --port "$PORT" --bind 127.0.0.1 --dir "$MNT" --save "3600 1" --logfile "$MNT/../shardis-full-$PORT.log" &
PID=$!
for _ in $(seq 1 100); do cli PING >/dev/null 2>&1 && break; sleep 0.05; done
fail() { echo "FAIL: $*" >&2; exit 1; }
cli SET small value >/dev/null
[ "$(cli SAVE)" = OK ] || fail "first SAVE"
before=$(md5sum "$MNT/dump.rdb" | cut -d' ' -f1)
# About 6 MB of incompressible values: more than the disk holds.
python3 - "$PORT" <<'EOF'
import os, socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
buf = []
for i in range(1500):
    v = os.urandom(4096)
    buf.append(b"*3\r\n$3\r\nSET\r\n$%d\r\nbig:%d\r\n$%d\r\n%s\r\n" % (len(str(i)) + 4, i, len(v), v))
s.sendall(b"".join(buf))
got = b""
while got.count(b"\r\n") < 1500:
    got += s.recv(65536)
EOF
cli BGSAVE >/dev/null
for _ in $(seq 1 200); do
  [ "$(cli INFO persistence | tr -d '\r' | grep rdb_bgsave_in_progress | cut -d: -f2)" = 0 ] && break
  sleep 0.05
done
status=$(cli INFO persistence | tr -d '\r' | grep rdb_last_bgsave_status | cut -d: -f2)
[ "$status" = err ] || fail "rdb_last_bgsave_status is $status"
grep -q "Background saving error" "$MNT/../shardis-full-$PORT.log" || fail "no error in the log"
grep -E "Write error|No space" "$MNT/../shardis-full-$PORT.log" | tail -1
[ "$(md5sum "$MNT/dump.rdb" | cut -d' ' -f1)" = "$before" ] || fail "the old file changed"
ls "$MNT" | grep -q temp && fail "a temp file was left"
reply=$(cli SET x 1)
case "$reply" in MISCONF*) ;; *) fail "write answered: $reply" ;; esac
[ "$(cli GET small)" = value ] || fail "read failed"
echo "BGSAVE on a full disk: status err, logged, old file kept, writes refused with MISCONF, reads served"
cli CONFIG SET save "" >/dev/null
cli FLUSHALL >/dev/null
cli CONFIG SET appendonly yes >/dev/null
sleep 1
python3 - "$PORT" <<'EOF'
import os, socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
for i in range(1500):
    v = os.urandom(4096)
    s.sendall(b"*3\r\n$3\r\nSET\r\n$%d\r\nbig:%d\r\n$%d\r\n%s\r\n" % (len(str(i)) + 4, i, len(v), v))
    s.recv(65536)
EOF
aof=$(cli INFO persistence | tr -d '\r' | grep aof_last_write_status | cut -d: -f2)
[ "$aof" = err ] || fail "aof_last_write_status is $aof"
grep "Error writing to the AOF file" "$MNT/../shardis-full-$PORT.log" | tail -1
reply=$(cli SET y 1)
case "$reply" in "MISCONF Errors writing to the AOF file: No space left on device") ;; *) fail "write answered: $reply" ;; esac
echo "AOF on a full disk: aof_last_write_status:err, logged, writes refused with MISCONF ($(cli DBSIZE) keys kept)"
rm -f "$MNT/../shardis-full-$PORT.log"
echo OK
