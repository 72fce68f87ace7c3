#!/usr/bin/env bash
# MULTI/EXEC throughput: shardis against redis-server in the same run.
#
# Each run uses examples/txload.rs (redis-benchmark cannot send
# transactions): CONNECTIONS connections, each pipelining PIPELINE
# transactions of SETS SETs, for SECONDS seconds, checking every reply.
# Modes: one (the keys of a transaction share a hash tag: one shard),
# spread (plain keys: spread over every shard), plain (the same SETs without
# MULTI/EXEC, a baseline). Servers are pinned with taskset, started on free
# loopback ports and stopped by PID. Prints a markdown table with the median
# of REPEAT runs and the ratio shardis/redis.
#
# Environment: SHARDS (shardis --threads, default 1), CORE_SERVER (taskset
# list for the servers, default 0), CORE_CLIENT (default 1), CONNECTIONS (8),
# PIPELINE (4), SETS (10), SECONDS (5), REPEAT (3), MODES ("one spread
# plain"), SHARDIS_BIN, REDIS_BIN.
set -euo pipefail

SHARDS=${SHARDS:-1}
CORE_SERVER=${CORE_SERVER:-0}
CORE_CLIENT=${CORE_CLIENT:-1}
CONNECTIONS=${CONNECTIONS:-8}
PIPELINE=${PIPELINE:-4}
SETS=${SETS:-10}
SECONDS_PER_RUN=${SECONDS:-5}
REPEAT=${REPEAT:-3}
MODES=${MODES:-"one spread plain"}

log() { printf '[bench_tx] %s\n' "$*" >&2; }
die() { printf '[bench_tx] error: %s\n' "$*" >&2; exit 1; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REDIS_BIN=${REDIS_BIN:-$(command -v redis-server || true)}
[[ -x $REDIS_BIN ]] || die "redis-server not found (set REDIS_BIN)"
command -v redis-cli >/dev/null || die "redis-cli not found"
(cd "$ROOT" && cargo build --release --bin shardis-server --example txload) >&2
SHARDIS_BIN=${SHARDIS_BIN:-$ROOT/target/release/shardis-server}
LOAD=$ROOT/target/release/examples/txload

TMP=$(mktemp -d "${TMPDIR:-/tmp}/shardis-bench-tx.XXXXXX")
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT

free_port() {
  local i p
  for (( i = 0; i < 200; i++ )); do
    p=$(( 20000 + RANDOM % 40000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  die "no free port"
}

# start KIND -> PORT and PID in globals
start() {
  local kind=$1 i
  PORT=$(free_port)
  local -a args=(--port "$PORT" --bind 127.0.0.1 --save "" --appendonly no)
  if [[ $kind == shardis ]]; then
    args+=(--threads "$SHARDS")
    ( cd "$TMP" && exec taskset -c "$CORE_SERVER" "$SHARDIS_BIN" "${args[@]}" ) >"$TMP/$kind.log" 2>&1 &
  else
    ( cd "$TMP" && exec taskset -c "$CORE_SERVER" "$REDIS_BIN" "${args[@]}" ) >"$TMP/$kind.log" 2>&1 &
  fi
  PID=$!
  PIDS+=("$PID")
  for (( i = 0; i < 200; i++ )); do
    [[ $(redis-cli -p "$PORT" ping 2>/dev/null) == PONG ]] && return 0
    sleep 0.05
  done
  die "$kind did not start"
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else print v[int((NR + 1) / 2)] }'; }

run_load() {  # run_load PORT MODE -> tx/s
  taskset -c "$CORE_CLIENT" "$LOAD" --port "$1" --mode "$2" --connections "$CONNECTIONS" \
    --pipeline "$PIPELINE" --sets "$SETS" --seconds "$SECONDS_PER_RUN" |
    sed -n 's/.*tx\/s=\([0-9]*\).*/\1/p'
}

start redis; RPORT=$PORT
start shardis; SPORT=$PORT
printf '| mode | redis tx/s | shardis (%s shards) tx/s | ratio |\n|---|---:|---:|---:|\n' "$SHARDS"
for mode in $MODES; do
  r=(); s=()
  for (( i = 0; i < REPEAT; i++ )); do
    # Alternate which server goes first, so drift hits both alike.
    if (( i % 2 == 0 )); then
      r+=("$(run_load "$RPORT" "$mode")"); s+=("$(run_load "$SPORT" "$mode")")
    else
      s+=("$(run_load "$SPORT" "$mode")"); r+=("$(run_load "$RPORT" "$mode")")
    fi
  done
  rm_=$(printf '%s\n' "${r[@]}" | median)
  sm=$(printf '%s\n' "${s[@]}" | median)
  ratio=$(awk -v a="$sm" -v b="$rm_" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')
  printf '| %s | %s | %s | %s |\n' "$mode" "$rm_" "$sm" "$ratio"
done
