#!/usr/bin/env bash
# Memory used by one sorted set of N members (ZADD z <n> member:<n>, sent
# in batches of 1000), as the INFO used_memory difference, for shardis and
# for a reference redis-server.
#
# Usage: scripts/mem_zset.sh [N] [shardis binary]
set -euo pipefail
N=${1:-1000000}
BIN=${2:-target/debug/shardis-server}
PORT_S=${PORT_S:-7390}
PORT_R=${PORT_R:-7391}
TMP=$(mktemp -d)
trap 'redis-cli -p $PORT_R shutdown nosave >/dev/null 2>&1 || true; [ -n "${SPID:-}" ] && kill $SPID 2>/dev/null || true; rm -rf "$TMP"' EXIT

python3 - "$N" > "$TMP/cmds" <<'PY'
import sys
n = int(sys.argv[1])
out = sys.stdout
for start in range(0, n, 1000):
    end = min(n, start + 1000)
    args = [b"ZADD", b"z"]
    for i in range(start, end):
        args += [str(i).encode(), b"member:%d" % i]
    out.write("*%d\r\n" % len(args))
    for a in args:
        out.write("$%d\r\n%s\r\n" % (len(a), a.decode()))
PY

used() { redis-cli -p "$1" info memory | tr -d '\r' | awk -F: '/^used_memory:/{print $2}'; }

measure() {
  local port=$1 name=$2
  local before after
  before=$(used "$port")
  redis-cli -p "$port" --pipe < "$TMP/cmds" >/dev/null
  after=$(used "$port")
  echo "$name: zcard=$(redis-cli -p "$port" zcard z) encoding=$(redis-cli -p "$port" object encoding z) used_memory delta=$((after - before)) bytes ($(( (after - before) / N )) per member)"
}

"$BIN" --port "$PORT_S" --bind 127.0.0.1 --threads 1 --save '' >/dev/null 2>&1 &
SPID=$!
redis-server --port "$PORT_R" --save '' --daemonize yes >/dev/null
for _ in $(seq 50); do redis-cli -p "$PORT_S" ping >/dev/null 2>&1 && break; sleep 0.2; done
measure "$PORT_S" shardis
measure "$PORT_R" redis-7.0
