#!/usr/bin/env bash
# Memory taken by one list of 1M elements, shardis vs redis-server:
# INFO used_memory before and after building the list with RPUSH in
# batches of 1000, and the memory given back by DEL of that list (the
# list's own size, without buffers the server keeps after the bulk load).
# Two data sets: 10-byte strings and small integers (0..999).
#
# Usage: scripts/mem_list.sh [shardis-binary]   (ports 7101-7189)
set -euo pipefail
BIN=${1:-target/release/shardis-server}
[ -x "$BIN" ] || BIN=target/debug/shardis-server
RPORT=$((7101 + RANDOM % 40))
SPORT=$((7150 + RANDOM % 40))
N=1000000

redis-server --port $RPORT --save '' --appendonly no --daemonize yes >/dev/null
"$BIN" --port $SPORT --bind 127.0.0.1 --threads 1 --save '' >/dev/null 2>&1 &
SPID=$!
trap 'redis-cli -p $RPORT shutdown nosave >/dev/null 2>&1 || true; kill $SPID 2>/dev/null || true' EXIT
for _ in $(seq 50); do
    redis-cli -p $SPORT ping >/dev/null 2>&1 && break
    sleep 0.2
done

used() { redis-cli -p "$1" info memory | tr -d '\r' | awk -F: '$1=="used_memory"{print $2}'; }

# RESP for RPUSH batches: $1 = key, $2 = kind (str|int).
gen() {
    python3 - "$1" "$2" "$N" <<'PY'
import sys
key, kind, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
out = sys.stdout.buffer
for start in range(0, n, 1000):
    vals = []
    for i in range(start, start + 1000):
        v = ("v%09d" % i) if kind == "str" else str(i % 1000)
        vals.append(v.encode())
    parts = [b"RPUSH", key.encode()] + vals
    out.write(b"*%d\r\n" % len(parts))
    for p in parts:
        out.write(b"$%d\r\n%s\r\n" % (len(p), p))
PY
}

for kind in str int; do
    for port in $RPORT $SPORT; do
        redis-cli -p $port flushall >/dev/null
        before=$(used $port)
        gen "list:$kind" $kind | redis-cli -p $port --pipe >/dev/null
        after=$(used $port)
        len=$(redis-cli -p $port llen "list:$kind")
        redis-cli -p $port del "list:$kind" >/dev/null
        freed=$((after - $(used $port)))
        name=$([ $port = $RPORT ] && echo redis || echo shardis)
        printf '%-8s %-4s len=%d build delta=%d (%.2f B/elem) freed by DEL=%d (%.2f B/elem)\n' \
            "$name" "$kind" "$len" $((after - before)) \
            "$(echo "($after - $before) / $len" | bc -l)" \
            "$freed" "$(echo "$freed / $len" | bc -l)"
    done
done
