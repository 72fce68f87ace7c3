#!/usr/bin/env bash
# PUBLISH throughput to 1, 10 and 100 subscribers: shardis against
# redis-server in the same run, with the bounded load tool
# examples/pubsub_load.rs (K subscriber connections reading continuously, P
# publisher connections pipelining PUBLISH for a fixed count each).
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: scripts/bench_pubsub.sh [OPTIONS]

Every option can also be given as an environment variable (NAME=value).

  --shards N        SHARDS       shardis --threads N                  [4]
  --subs LIST       SUBS         subscriber counts, space or comma separated
                                                                       ["1 10 100"]
  --pubs N          PUBS         publisher connections                 [4]
  --count N         COUNT        PUBLISH per publisher                 [200000]
  --size N          SIZE         payload bytes                         [32]
  --pipeline N      PIPELINE     pipeline depth per publisher          [64]
  --timeout SECS    BENCH_TIMEOUT  limit for one run                   [120]
  --shardis-bin P   SHARDIS_BIN  shardis binary; when unset, `cargo build
                                 --release` and target/release/shardis-server
  --load-bin P      LOAD_BIN     load tool; when unset, built with
                                 `cargo build --release --example pubsub_load`
  --redis-bin P     REDIS_BIN    redis-server                 [redis-server]
  -h, --help

Prints a markdown table: messages published per second and messages
delivered per second (all subscribers together) for each server, and the
shardis/redis ratio (> 1: shardis is faster).
USAGE
}

SHARDS=${SHARDS:-4}
SUBS=${SUBS:-"1 10 100"}
PUBS=${PUBS:-4}
COUNT=${COUNT:-200000}
SIZE=${SIZE:-32}
PIPELINE=${PIPELINE:-64}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-120}
SHARDIS_BIN=${SHARDIS_BIN:-}
LOAD_BIN=${LOAD_BIN:-}
REDIS_BIN=${REDIS_BIN:-redis-server}

while [ $# -gt 0 ]; do
  case "$1" in
    --shards) SHARDS=$2; shift 2 ;;
    --subs) SUBS=$2; shift 2 ;;
    --pubs) PUBS=$2; shift 2 ;;
    --count) COUNT=$2; shift 2 ;;
    --size) SIZE=$2; shift 2 ;;
    --pipeline) PIPELINE=$2; shift 2 ;;
    --timeout) BENCH_TIMEOUT=$2; shift 2 ;;
    --shardis-bin) SHARDIS_BIN=$2; shift 2 ;;
    --load-bin) LOAD_BIN=$2; shift 2 ;;
    --redis-bin) REDIS_BIN=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
  esac
done
SUBS=${SUBS//,/ }

cd "$(dirname "$0")/.."
if [ -z "$SHARDIS_BIN" ]; then
  cargo build --release --bin shardis-server >&2
  SHARDIS_BIN=target/release/shardis-server
fi
if [ -z "$LOAD_BIN" ]; then
  cargo build --release --example pubsub_load >&2
  LOAD_BIN=target/release/examples/pubsub_load
fi

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

PIDS=()
WORK=$(mktemp -d)
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

wait_ping() {
  local port=$1
  for _ in $(seq 1 100); do
    if redis-cli -p "$port" ping 2>/dev/null | grep -q PONG; then return 0; fi
    sleep 0.1
  done
  echo "server on port $port did not start" >&2
  exit 1
}

RPORT=$(free_port)
"$REDIS_BIN" --port "$RPORT" --bind 127.0.0.1 --save '' --appendonly no \
  --dir "$WORK" --logfile "$WORK/redis.log" &
PIDS+=($!)
SPORT=$(free_port)
"$SHARDIS_BIN" --port "$SPORT" --bind 127.0.0.1 --save '' --threads "$SHARDS" \
  --dir "$WORK" --logfile "$WORK/shardis.log" &
PIDS+=($!)
wait_ping "$RPORT"
wait_ping "$SPORT"

run() {
  timeout "$BENCH_TIMEOUT" "$LOAD_BIN" --port "$1" --subs "$2" --pubs "$PUBS" \
    --count "$COUNT" --size "$SIZE" --pipeline "$PIPELINE" --timeout "$BENCH_TIMEOUT"
}
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

echo "PUBLISH throughput: $PUBS publishers x $COUNT messages of $SIZE bytes, pipeline $PIPELINE; shardis --threads $SHARDS"
echo
echo "| subscribers | redis publish/s | shardis publish/s | ratio | redis delivered/s | shardis delivered/s | ratio |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
for k in $SUBS; do
  r=$(run "$RPORT" "$k")
  s=$(run "$SPORT" "$k")
  rp=$(echo "$r" | field publish_per_s); sp=$(echo "$s" | field publish_per_s)
  rd=$(echo "$r" | field delivered_per_s); sd=$(echo "$s" | field delivered_per_s)
  echo "| $k | $rp | $sp | $(ratio "$sp" "$rp") | $rd | $sd | $(ratio "$sd" "$rd") |"
done
