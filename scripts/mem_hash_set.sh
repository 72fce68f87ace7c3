#!/usr/bin/env bash
# Memory check for the compact hash and set encodings: loads 100k hashes of
# 10 small fields and 100k sets of 10 integers into shardis and into a
# reference redis-server, and prints the INFO used_memory growth of each.
#
# Usage: scripts/mem_hash_set.sh [shardis-binary]
# (default: target/release/shardis-server, else target/debug/shardis-server)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-target/release/shardis-server}
[ -x "$BIN" ] || BIN=target/debug/shardis-server
N=${N:-100000}
SP=${SHARDIS_PORT:-7290}
RP=${REDIS_PORT:-7291}

gen() { # $1 = hash | set
  awk -v n="$N" -v kind="$1" 'BEGIN {
    for (i = 0; i < n; i++) {
      if (kind == "hash") {
        printf "*22\r\n$4\r\nHSET\r\n$%d\r\nh:%d\r\n", length("h:" i), i
        for (f = 0; f < 10; f++) {
          v = sprintf("v%07d", (i * 10 + f) % 10000000)
          printf "$2\r\nf%d\r\n$8\r\n%s\r\n", f, v
        }
      } else {
        printf "*12\r\n$4\r\nSADD\r\n$%d\r\ns:%d\r\n", length("s:" i), i
        for (f = 0; f < 10; f++) {
          m = (i * 7 + f * 13) % 30000
          printf "$%d\r\n%d\r\n", length(m ""), m
        }
      }
    }
  }'
}

used() { redis-cli -p "$1" info memory | awk -F: '/^used_memory:/ { gsub("\r", "", $2); print $2 }'; }

measure() { # $1 = port, $2 = kind
  redis-cli -p "$1" flushall >/dev/null
  sleep 0.2
  local before after
  before=$(used "$1")
  gen "$2" | redis-cli -p "$1" --pipe >/dev/null
  sleep 0.2
  after=$(used "$1")
  echo $((after - before))
}

"$BIN" --port "$SP" --threads 1 >/dev/null 2>&1 &
SPID=$!
redis-server --port "$RP" --save '' --appendonly no --daemonize no >/dev/null 2>&1 &
RPID=$!
trap 'kill $SPID $RPID 2>/dev/null || true' EXIT
for p in "$SP" "$RP"; do
  for _ in $(seq 50); do redis-cli -p "$p" ping >/dev/null 2>&1 && break; sleep 0.1; done
done

for kind in hash set; do
  r=$(measure "$RP" "$kind")
  s=$(measure "$SP" "$kind")
  enc_r=$(redis-cli -p "$RP" object encoding "${kind:0:1}:1")
  enc_s=$(redis-cli -p "$SP" object encoding "${kind:0:1}:1")
  printf '%-5s redis: %10d bytes (%6.1f/key, %s)  shardis: %10d bytes (%6.1f/key, %s)\n' \
    "$kind" "$r" "$(echo "$r / $N" | bc -l)" "$enc_r" "$s" "$(echo "$s / $N" | bc -l)" "$enc_s"
done
