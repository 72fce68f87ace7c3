#!/usr/bin/env bash
# Memory per element of the collection types, shardis against redis-server.
#
# Loads the same data into a fresh redis-server and a fresh shardis-server
# (through `redis-cli --pipe`, same file for both) and reports the growth of
# INFO used_memory per element, and the ratio redis/shardis (> 1: shardis
# uses less). Data sets (scaled by SCALE, default 1):
#   hash  100k hashes of 10 fields (HSET h:N f0 v0000000N ... f9 ...)
#   set   100k sets of 10 small integers (SADD s:N ...)
#   zset  one sorted set of 1M members (ZADD z N member:N, in batches of 100)
#   list  one list of 1M elements (RPUSH l element:N, in batches of 100)
#
# Environment: SHARDIS_BIN (default: target/release/shardis-server, built if
# missing), REDIS_BIN (default: redis-server in PATH), SHARDS (1), SCALE (1),
# CASES ("hash set zset list"), OUT (mem-types.md).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
SHARDS=${SHARDS:-1}
SCALE=${SCALE:-1}
CASES=${CASES:-"hash set zset list"}
OUT=${OUT:-mem-types.md}
case $OUT in /*) ;; *) OUT=$PWD/$OUT ;; esac
REDIS_BIN=${REDIS_BIN:-$(command -v redis-server)}
if [[ -z ${SHARDIS_BIN:-} ]]; then
  (cd "$REPO_ROOT" && cargo build --release --bin shardis-server) >&2
  SHARDIS_BIN=$REPO_ROOT/target/release/shardis-server
fi
for t in redis-cli python3 timeout; do command -v $t >/dev/null || { echo "$t missing" >&2; exit 1; }; done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/shardis-mem.XXXXXX")
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT

free_port() {
  local i p
  for (( i = 0; i < 200; i++ )); do
    p=$(( 20000 + RANDOM % 40000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  echo "no free port" >&2; exit 1
}

# gen CASE FILE -> writes RESP commands, prints the element count.
gen() {
  python3 - "$1" "$2" "$SCALE" <<'PY'
import sys
case, path, scale = sys.argv[1], sys.argv[2], float(sys.argv[3])
def cmd(*a):
    out = [b"*%d\r\n" % len(a)]
    for x in a:
        x = x if isinstance(x, bytes) else str(x).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(x), x))
    return b"".join(out)
n_el = 0
with open(path, "wb") as f:
    if case == "hash":
        for i in range(int(100000 * scale)):
            a = ["HSET", "h:%d" % i]
            for j in range(10):
                a += ["f%d" % j, "v%08d" % (i * 10 + j)]
            f.write(cmd(*a)); n_el += 10
    elif case == "set":
        for i in range(int(100000 * scale)):
            f.write(cmd("SADD", "s:%d" % i, *[(i * 7 + j * 131) % 30000 for j in range(10)])); n_el += 10
    elif case == "zset":
        n = int(1000000 * scale)
        for b in range(0, n, 100):
            a = ["ZADD", "z"]
            for i in range(b, min(n, b + 100)):
                a += [i, "member:%d" % i]
            f.write(cmd(*a))
        n_el = n
    elif case == "list":
        n = int(1000000 * scale)
        for b in range(0, n, 100):
            f.write(cmd("RPUSH", "l", *["element:%d" % i for i in range(b, min(n, b + 100))]))
        n_el = n
print(n_el)
PY
}

used() { redis-cli -p "$1" info memory | tr -d '\r' | awk -F: '$1 == "used_memory" { print $2 }'; }

measure() {  # measure KIND FILE -> prints delta bytes
  local kind=$1 file=$2 port pid bin i before after
  local -a args
  port=$(free_port)
  args=(--port "$port" --bind 127.0.0.1 --save "" --appendonly no)
  if [[ $kind == shardis ]]; then bin=$SHARDIS_BIN; args+=(--threads "$SHARDS"); else bin=$REDIS_BIN; fi
  ( cd "$TMP" && exec "$bin" "${args[@]}" ) >"$TMP/$kind.log" 2>&1 &
  pid=$!; PIDS+=("$pid")
  for (( i = 0; i < 200; i++ )); do
    [[ $(redis-cli -p "$port" ping 2>/dev/null) == PONG ]] && break
    sleep 0.05
  done
  before=$(used "$port")
  timeout 600 redis-cli -p "$port" --pipe < "$file" >/dev/null
  sleep 0.5
  after=$(used "$port")
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  echo $(( after - before ))
}

{
  echo "| data set | elements | redis B/element | shardis B/element | ratio redis/shardis |"
  echo "|---|---:|---:|---:|---:|"
} > "$TMP/table"
for c in $CASES; do
  n=$(gen "$c" "$TMP/$c.resp")
  r=$(measure redis "$TMP/$c.resp")
  s=$(measure shardis "$TMP/$c.resp")
  awk -v c="$c" -v n="$n" -v r="$r" -v s="$s" 'BEGIN {
    printf "| %s | %d | %.1f | %.1f | %.2f |\n", c, n, r / n, s / n, (s > 0 ? r / s : 0) }' >> "$TMP/table"
  rm -f "$TMP/$c.resp"
done
cat "$TMP/table" | tee "$OUT"
