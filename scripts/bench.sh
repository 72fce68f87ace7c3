#!/usr/bin/env bash
# Benchmark shardis against redis-server on this machine and print tables.
# See `scripts/bench.sh --help` and scripts/README.md.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: scripts/bench.sh [OPTIONS]

Benchmarks shardis-server against redis-server with redis-benchmark (throughput,
latency, server CPU per request) and measures memory per key. Every server is
started fresh on a free 127.0.0.1 port, pinned with taskset, and stopped by PID.
Results are printed as markdown tables and also written to OUT.

Every option can be given as an environment variable (NAME=value) or a flag;
flags win over the environment.

  --shards N            SHARDS      shardis --threads N (redis is always single
                                    threaded)                          [1]
  --requests N          REQUESTS    requests per run at pipeline depth 1
                                                                       [200000]
  --pipeline-requests N PIPELINE_REQUESTS
                                    requests per run at depth > 1      [2000000]
  --clients N           CLIENTS     redis-benchmark -c                 [50]
  --tests LIST          TESTS       comma separated redis-benchmark -t tests
                                    [PING_INLINE,PING_MBULK,SET,GET,INCR,MSET]
  --pipelines LIST      PIPELINES   space or comma separated depths    ["1 16"]
  --repeat N            REPEAT      runs per cell; medians are reported [1]
  --keyspace N          KEYSPACE    pass -r N to redis-benchmark (random keys);
                                    empty = one fixed key, as redis-benchmark
                                    does by default                    [empty]
  --core-server CPUS    CORE_SERVER taskset -c list for each server    [0]
  --core-client CPUS    CORE_CLIENT taskset -c list for redis-benchmark and
                                    redis-cli                          [1]
  --mem-keys N          MEM_KEYS    keys loaded for the memory test; 0 skips it
                                                                       [1000000]
  --mem-value-size N    MEM_VALUE_SIZE  value bytes per key in memory test [3]
  --no-mem              (MEM_KEYS=0) skip the memory-per-key test
  --no-throughput       (THROUGHPUT=0) skip the throughput/CPU tables
  --out FILE            OUT         markdown results file    [bench-results.md]
  --shardis-bin PATH    SHARDIS_BIN shardis binary; when unset the script runs
                                    `cargo build --release` and uses
                                    target/release/shardis-server
  --redis-bin PATH      REDIS_BIN   redis-server binary [redis-server in PATH]
  --threads-flag MODE   THREADS_FLAG  auto|yes|no: pass `--threads SHARDS` to
                                    the shardis binary. auto = yes unless its
                                    basename is redis-server           [auto]
  --timeout SECS        BENCH_TIMEOUT  limit for one redis-benchmark or
                                    redis-cli --pipe run               [120]
  --wait-quiet SECS     WAIT_QUIET  before each run, wait up to SECS for the
                                    host to be idle (other load < 10% of a
                                    core); 0 = do not wait             [0]
  -h, --help            this text

Notes:
  * ratio columns are always oriented so that > 1 means shardis is better:
    rps ratio = shardis/redis, CPU and memory ratios = redis/shardis.
  * server CPU us/req = (utime+stime of the server process, all threads, from
    /proc/PID/stat) delta over the run / requests. MSET is 10 keys per request.
  * "other load" = CPU used during a run by anything but that server and
    redis-benchmark (from /proc/stat and bash `times`), in % of one core; on a
    shared host, rows where it is high are noise.
  * each (depth, test) cell runs redis then shardis back to back, each on a
    fresh server; REPEAT repeats the whole matrix.
  * GET runs against a server where the benchmark key was set first (with
    KEYSPACE set, random keys mostly miss).
  * the memory test loads MEM_KEYS `SET key:N <value>` commands through
    `redis-cli --pipe` (same file, same method for both servers), then checks
    DBSIZE; it needs the server to support ECHO, INFO memory and DBSIZE.

Example: SHARDIS_BIN=/usr/bin/redis-server REQUESTS=20000 scripts/bench.sh
EOF
}

log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- options --
SHARDS=${SHARDS:-1}
REQUESTS=${REQUESTS:-200000}
PIPELINE_REQUESTS=${PIPELINE_REQUESTS:-2000000}
CLIENTS=${CLIENTS:-50}
TESTS=${TESTS:-PING_INLINE,PING_MBULK,SET,GET,INCR,MSET}
PIPELINES=${PIPELINES:-1 16}
REPEAT=${REPEAT:-1}
KEYSPACE=${KEYSPACE:-}
CORE_SERVER=${CORE_SERVER:-0}
CORE_CLIENT=${CORE_CLIENT:-1}
MEM_KEYS=${MEM_KEYS:-1000000}
MEM_VALUE_SIZE=${MEM_VALUE_SIZE:-3}
THROUGHPUT=${THROUGHPUT:-1}
OUT=${OUT:-bench-results.md}
SHARDIS_BIN=${SHARDIS_BIN:-}
REDIS_BIN=${REDIS_BIN:-}
THREADS_FLAG=${THREADS_FLAG:-auto}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-120}
WAIT_QUIET=${WAIT_QUIET:-0}

need_arg() { [[ $# -ge 2 ]] || die "option $1 needs a value"; }
while [[ $# -gt 0 ]]; do
  case $1 in
    -h|--help) usage; exit 0 ;;
    --shards) need_arg "$@"; SHARDS=$2; shift 2 ;;
    --requests) need_arg "$@"; REQUESTS=$2; shift 2 ;;
    --pipeline-requests) need_arg "$@"; PIPELINE_REQUESTS=$2; shift 2 ;;
    --clients) need_arg "$@"; CLIENTS=$2; shift 2 ;;
    --tests) need_arg "$@"; TESTS=$2; shift 2 ;;
    --pipelines) need_arg "$@"; PIPELINES=$2; shift 2 ;;
    --repeat) need_arg "$@"; REPEAT=$2; shift 2 ;;
    --keyspace) need_arg "$@"; KEYSPACE=$2; shift 2 ;;
    --core-server) need_arg "$@"; CORE_SERVER=$2; shift 2 ;;
    --core-client) need_arg "$@"; CORE_CLIENT=$2; shift 2 ;;
    --mem-keys) need_arg "$@"; MEM_KEYS=$2; shift 2 ;;
    --mem-value-size) need_arg "$@"; MEM_VALUE_SIZE=$2; shift 2 ;;
    --no-mem) MEM_KEYS=0; shift ;;
    --no-throughput) THROUGHPUT=0; shift ;;
    --out) need_arg "$@"; OUT=$2; shift 2 ;;
    --shardis-bin) need_arg "$@"; SHARDIS_BIN=$2; shift 2 ;;
    --redis-bin) need_arg "$@"; REDIS_BIN=$2; shift 2 ;;
    --threads-flag) need_arg "$@"; THREADS_FLAG=$2; shift 2 ;;
    --timeout) need_arg "$@"; BENCH_TIMEOUT=$2; shift 2 ;;
    --wait-quiet) need_arg "$@"; WAIT_QUIET=$2; shift 2 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
done

is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }
for v in SHARDS REQUESTS PIPELINE_REQUESTS CLIENTS REPEAT MEM_KEYS MEM_VALUE_SIZE BENCH_TIMEOUT WAIT_QUIET; do
  is_uint "${!v}" || die "$v must be a non-negative integer (got '${!v}')"
done
[[ -z $KEYSPACE ]] || is_uint "$KEYSPACE" || die "KEYSPACE must be an integer"
(( SHARDS >= 1 && REQUESTS >= 1 && PIPELINE_REQUESTS >= 1 && CLIENTS >= 1 && REPEAT >= 1 )) \
  || die "SHARDS, REQUESTS, PIPELINE_REQUESTS, CLIENTS and REPEAT must be >= 1"
(( MEM_VALUE_SIZE >= 1 )) || die "MEM_VALUE_SIZE must be >= 1"
[[ $THREADS_FLAG == auto || $THREADS_FLAG == yes || $THREADS_FLAG == no ]] \
  || die "THREADS_FLAG must be auto, yes or no"
read -r -a DEPTHS <<< "${PIPELINES//,/ }"
(( ${#DEPTHS[@]} > 0 )) || die "PIPELINES is empty"
for d in "${DEPTHS[@]}"; do
  if ! is_uint "$d" || (( d < 1 )); then die "bad pipeline depth '$d'"; fi
done
IFS=, read -r -a TEST_LIST <<< "${TESTS// /}"
(( ${#TEST_LIST[@]} > 0 )) || die "TESTS is empty"

for tool in redis-benchmark redis-cli taskset timeout getconf awk sort; do
  command -v "$tool" >/dev/null || die "$tool not found in PATH"
done
if [[ -z $REDIS_BIN ]]; then
  REDIS_BIN=$(command -v redis-server) || die "redis-server not found (set REDIS_BIN)"
fi
[[ -x $REDIS_BIN ]] || die "REDIS_BIN '$REDIS_BIN' is not executable"

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
if [[ -z $SHARDIS_BIN ]]; then
  command -v cargo >/dev/null || die "cargo not found (or set SHARDIS_BIN)"
  log "building shardis-server (cargo build --release) in $REPO_ROOT"
  (cd "$REPO_ROOT" && cargo build --release --bin shardis-server) >&2
  SHARDIS_BIN=$REPO_ROOT/target/release/shardis-server
fi
[[ -x $SHARDIS_BIN ]] || die "SHARDIS_BIN '$SHARDIS_BIN' is not executable"
# Resolve OUT before anything changes directory.
case $OUT in /*) ;; *) OUT=$PWD/$OUT ;; esac

if [[ $THREADS_FLAG == auto ]]; then
  if [[ $(basename "$SHARDIS_BIN") == redis-server ]]; then THREADS_FLAG=no; else THREADS_FLAG=yes; fi
fi
[[ $CORE_SERVER != "$CORE_CLIENT" ]] || log "warning: CORE_SERVER equals CORE_CLIENT ($CORE_SERVER)"

CLK_TCK=$(getconf CLK_TCK)
if ! is_uint "$CLK_TCK" || (( CLK_TCK == 0 )); then die "getconf CLK_TCK gave '$CLK_TCK'"; fi

# ---------------------------------------------------------- server control --
TMP=$(mktemp -d "${TMPDIR:-/tmp}/shardis-bench.XXXXXX")
declare -a LIVE_PIDS=()

stop_pid() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || true
  for (( i = 0; i < 100; i++ )); do          # up to 10 s
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "pid $pid ignored SIGTERM, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local pid
  for pid in "${LIVE_PIDS[@]}"; do
    [[ -n $pid ]] && stop_pid "$pid"
  done
  LIVE_PIDS=()
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A free loopback port: nothing accepts a connection there. Bounded tries.
free_port() {
  local i p
  for (( i = 0; i < 200; i++ )); do
    p=$(( 20000 + RANDOM % 40000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"; return 0
    fi
  done
  die "no free port found"
}

# start_server KIND -> sets SERVER_PID and SERVER_PORT. KIND is redis|shardis.
SERVER_PID=
SERVER_PORT=
start_server() {
  local kind=$1 bin attempt i port pid logf why
  local -a args
  if [[ $kind == redis ]]; then bin=$REDIS_BIN; else bin=$SHARDIS_BIN; fi
  for (( attempt = 0; attempt < 5; attempt++ )); do
    port=$(free_port)
    args=(--port "$port" --bind 127.0.0.1 --save "" --appendonly no)
    if [[ $kind == shardis && $THREADS_FLAG == yes ]]; then
      args+=(--threads "$SHARDS")
    fi
    logf=$TMP/$kind.$port.log
    # The subshell execs taskset which execs the server: $! is the server PID.
    ( cd "$TMP" && exec taskset -c "$CORE_SERVER" "$bin" "${args[@]}" ) >"$logf" 2>&1 &
    pid=$!
    LIVE_PIDS+=("$pid")
    for (( i = 0; i < 200; i++ )); do        # up to ~10 s
      if ! kill -0 "$pid" 2>/dev/null; then break; fi
      if [[ $(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null) == PONG ]]; then
        SERVER_PID=$pid SERVER_PORT=$port
        return 0
      fi
      sleep 0.05
    done
    if kill -0 "$pid" 2>/dev/null; then why="no PONG within 10 s"; else why="it exited"; fi
    log "$kind did not come up on port $port ($why, attempt $((attempt + 1))); its output:"
    tail -n 20 "$logf" >&2 || true
    stop_server "$pid"
  done
  die "could not start $kind ($bin)"
}

stop_server() {
  local pid=$1 i
  stop_pid "$pid"
  for i in "${!LIVE_PIDS[@]}"; do
    [[ ${LIVE_PIDS[$i]} == "$pid" ]] && unset 'LIVE_PIDS[i]'
  done
  LIVE_PIDS=("${LIVE_PIDS[@]}")
}

# utime+stime of a process (all its threads), in clock ticks.
cpu_ticks() {
  local stat rest
  local -a f
  stat=$(<"/proc/$1/stat")
  rest=${stat##*) }              # fields from 3 (state) on; comm may hold spaces
  read -r -a f <<< "$rest"
  echo $(( f[11] + f[12] ))      # fields 14 and 15
}

rss_kb() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$1/status"; }

info_field() {  # info_field PORT SECTION FIELD
  redis-cli -h 127.0.0.1 -p "$1" info "$2" 2>/dev/null | tr -d '\r' \
    | awk -F: -v k="$3" '$1 == k { print $2 }'
}

# "BUSY TOTAL" jiffies of the whole machine from /proc/stat: BUSY is
# user+nice+system+irq+softirq (per-process times include the irq time spent
# while the process ran, e.g. loopback softirqs), TOTAL adds idle+iowait.
host_ticks() { awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8; exit }' /proc/stat; }

# CPU ticks used by this shell's reaped children so far: bash `times`, 2nd
# line. Called directly (not in $(...), where `times` would see a subshell);
# sets CHILD_TICKS.
CHILD_TICKS=0
child_ticks() {
  times > "$TMP/times"
  CHILD_TICKS=$(awk -v t="$CLK_TCK" 'NR == 2 {
    s = 0
    for (i = 1; i <= 2; i++) { split($i, a, "m"); sub("s", "", a[2]); s += a[1] * 60 + a[2] }
    printf "%.0f", s * t }' "$TMP/times")
}

# ------------------------------------------------------------- formatting --
# median of whitespace separated numbers; "ERR" if any is not a number.
median() {
  local v
  for v in $1; do
    [[ $v =~ ^[0-9.]+$ ]] || { echo ERR; return; }
  done
  # shellcheck disable=SC2086
  printf '%s\n' $1 | sort -g | awk '{ a[NR] = $1 }
    END { if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
maxof() {  # largest of whitespace separated integers, "-" if none
  local v m=-
  for v in $1; do
    [[ $v =~ ^[0-9]+$ ]] || continue
    if [[ $m == - ]] || (( v > m )); then m=$v; fi
  done
  echo "$m"
}
fmt() {  # fmt DECIMALS VALUE
  if [[ $2 =~ ^[0-9.]+$ ]]; then LC_ALL=C printf '%.*f' "$1" "$2"; else printf '%s' "${2:-n/a}"; fi
}
ratio() {  # ratio NUM DEN
  if [[ $1 =~ ^[0-9.]+$ && $2 =~ ^[0-9.]+$ ]]; then
    awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'
  else
    printf 'n/a'
  fi
}

REPORT=$TMP/report.md
emit() { printf '%s\n' "$*" | tee -a "$REPORT"; }

# Visible width: bytes minus UTF-8 continuation bytes (for µ and ↑).
vis_len() { local LC_ALL=C; local t=${1//[$'\x80'-$'\xbf']/}; echo "${#t}"; }

# emit_table LINE...: each LINE is '|' separated cells, the first is the
# header. Prints an aligned markdown table (first column left aligned).
emit_table() {
  local -a w=() cells
  local line i l out pad
  for line in "$@"; do
    IFS='|' read -r -a cells <<< "$line"
    for i in "${!cells[@]}"; do
      l=$(vis_len "${cells[$i]}")
      if (( l > ${w[i]:-3} )); then w[i]=$l; else w[i]=${w[i]:-3}; fi
    done
  done
  local first=1
  for line in "$@"; do
    IFS='|' read -r -a cells <<< "$line"
    out='|'
    for i in "${!w[@]}"; do
      l=$(vis_len "${cells[$i]:-}")
      printf -v pad '%*s' $(( w[i] - l )) ''
      if (( i == 0 )); then out+=" ${cells[$i]:-}$pad |"; else out+=" $pad${cells[$i]:-} |"; fi
    done
    emit "$out"
    if (( first )); then
      first=0 out='|'
      for i in "${!w[@]}"; do
        printf -v pad '%*s' "${w[i]}" ''
        pad=${pad// /-}
        if (( i == 0 )); then out+=":${pad}-|"; else out+="-${pad}:|"; fi
      done
      emit "$out"
    fi
  done
}

# ------------------------------------------------------------- throughput --
declare -A RPS=() P50=() P99=() CPU=() OTHER=()

bench_one() {  # bench_one KIND DEPTH TEST
  local kind=$1 depth=$2 test=$3 n key c0 c1 csv line cpu h0 h1 k0 k1 other
  local -a rb f
  if (( depth > 1 )); then n=$PIPELINE_REQUESTS; else n=$REQUESTS; fi
  key="$kind|$depth|$test"
  wait_quiet
  start_server "$kind"
  if [[ ${test,,} == get && -z $KEYSPACE ]]; then
    redis-cli -h 127.0.0.1 -p "$SERVER_PORT" set 'key:__rand_int__' xxx >/dev/null
  fi
  rb=(redis-benchmark -h 127.0.0.1 -p "$SERVER_PORT" -c "$CLIENTS" -n "$n" -P "$depth" -t "$test" --csv)
  [[ -z $KEYSPACE ]] || rb+=(-r "$KEYSPACE")
  h0=$(host_ticks); child_ticks; k0=$CHILD_TICKS
  c0=$(cpu_ticks "$SERVER_PID")
  if csv=$(timeout "$BENCH_TIMEOUT" taskset -c "$CORE_CLIENT" "${rb[@]}" 2>"$TMP/rb.err"); then :; else
    log "redis-benchmark failed for $key (exit $?):"; tail -n 5 "$TMP/rb.err" >&2 || true
    csv=
  fi
  if kill -0 "$SERVER_PID" 2>/dev/null; then c1=$(cpu_ticks "$SERVER_PID"); else c1=; fi
  child_ticks; k1=$CHILD_TICKS; h1=$(host_ticks)
  stop_server "$SERVER_PID"
  line=$(printf '%s\n' "$csv" | tr -d '"\r' | awk -F, 'NR > 1 && NF >= 8 { l = $0 } END { print l }')
  if [[ -z $line || -z $c1 ]]; then
    RPS[$key]+="ERR " P50[$key]+="ERR " P99[$key]+="ERR " CPU[$key]+="ERR "
    log "$key: no result"
    return 0
  fi
  IFS=, read -r -a f <<< "$line"
  RPS[$key]+="${f[1]} " P50[$key]+="${f[4]} " P99[$key]+="${f[6]} "
  cpu=$(awk -v d=$(( c1 - c0 )) -v t="$CLK_TCK" -v n="$n" 'BEGIN { printf "%.4f", d * 1e6 / t / n }')
  CPU[$key]+="$cpu "
  # CPU used by anything but this server and redis-benchmark during the run,
  # in percent of one core: other load on the host makes the numbers noisy.
  other=$(awk -v h0="$h0" -v h1="$h1" -v s=$(( c1 - c0 )) -v k=$(( k1 - k0 )) -v n="$(nproc)" 'BEGIN {
    split(h0, a, " "); split(h1, b, " "); el = (b[2] - a[2]) / n
    o = (b[1] - a[1]) - s - k; if (o < 0 || el <= 0) o = 0; else o = o * 100 / el
    printf "%.0f", o }')
  OTHER[$key]+="$other "
  [[ -z ${BENCH_DEBUG:-} ]] || log "debug: host busy/total $h0 -> $h1, server $(( c1 - c0 )), client $(( k1 - k0 )) ticks"
  log "$(printf '%-8s P=%-3s %-12s rps=%-10s p50=%-6s p99=%-6s cpu_us/req=%-7s other_load=%s%%' \
    "$kind" "$depth" "$test" "${f[1]}" "${f[4]}" "${f[6]}" "$cpu" "$other")"
  if (( other > 15 )); then
    log "warning: other processes used ${other}% of a core during this run; its numbers are noisy"
  fi
}

throughput_tables() {
  local rep depth test kind key
  # redis then shardis back to back for each cell, so that load drifting on
  # the host hits both alike; repeats go over the whole matrix again.
  for (( rep = 1; rep <= REPEAT; rep++ )); do
    for depth in "${DEPTHS[@]}"; do
      for test in "${TEST_LIST[@]}"; do
        for kind in redis shardis; do
          log "run $rep/$REPEAT: $kind, pipeline $depth, $test"
          bench_one "$kind" "$depth" "$test"
        done
      done
    done
  done

  local rr sr rp50 rp99 sp50 sp99 rc sc n
  local -a rows
  for depth in "${DEPTHS[@]}"; do
    if (( depth > 1 )); then n=$PIPELINE_REQUESTS; else n=$REQUESTS; fi
    emit ""
    emit "### Pipeline depth $depth ($n requests, $CLIENTS clients, median of $REPEAT run(s))"
    emit ""
    emit "rps: higher is better; rps ratio = shardis/redis (>1: shardis faster). Latency in ms: lower is better."
    emit "CPU = server CPU µs per request: lower is better; CPU ratio = redis/shardis (>1: shardis cheaper)."
    emit ""
    rows=("test|redis rps|shardis rps|rps ratio s/r (↑ better)|redis p50/p99 ms|shardis p50/p99 ms|redis CPU µs/req|shardis CPU µs/req|CPU ratio r/s (↑ better)|other load % r/s")
    for test in "${TEST_LIST[@]}"; do
      key="redis|$depth|$test"
      rr=$(median "${RPS[$key]}"); rp50=$(median "${P50[$key]}"); rp99=$(median "${P99[$key]}"); rc=$(median "${CPU[$key]}")
      key="shardis|$depth|$test"
      sr=$(median "${RPS[$key]}"); sp50=$(median "${P50[$key]}"); sp99=$(median "${P99[$key]}"); sc=$(median "${CPU[$key]}")
      rows+=("${test^^}|$(fmt 0 "$rr")|$(fmt 0 "$sr")|$(ratio "$sr" "$rr")|$(fmt 3 "$rp50")/$(fmt 3 "$rp99")|$(fmt 3 "$sp50")/$(fmt 3 "$sp99")|$(fmt 3 "$rc")|$(fmt 3 "$sc")|$(ratio "$rc" "$sc")|$(maxof "${OTHER[redis|$depth|$test]:-}")/$(maxof "${OTHER[shardis|$depth|$test]:-}")")
    done
    emit_table "${rows[@]}"
  done
  emit ""
  emit "other load = CPU used by other processes on the host during the run (max over repeats),"
  emit "in % of one core; rows where it is well above 0 are noisy."
  emit "MSET is 10 keys per request. CPU = (utime+stime of the server process, all threads) / requests;"
  emit "with CLK_TCK=$CLK_TCK one tick is $(( 1000000 / CLK_TCK )) µs of CPU over the whole run."
}

# ----------------------------------------------------------------- memory --
declare -A MEM_USED=() MEM_RSS=() MEM_KEYS_LOADED=()

gen_mem_protocol() {  # writes RESP SET commands for MEM_KEYS keys to $1
  awk -v n="$MEM_KEYS" -v vs="$MEM_VALUE_SIZE" 'BEGIN {
    v = ""; for (i = 0; i < vs; i++) v = v "x"
    for (i = 0; i < n; i++) {
      k = "key:" i
      printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, vs, v
    }
  }' > "$1"
}

mem_one() {  # mem_one KIND PROTOFILE
  local kind=$1 proto=$2 u0 u1 r0 r1 keys piped
  wait_quiet
  start_server "$kind"
  u0=$(info_field "$SERVER_PORT" memory used_memory)
  r0=$(rss_kb "$SERVER_PID")
  if piped=$(timeout "$BENCH_TIMEOUT" taskset -c "$CORE_CLIENT" \
      redis-cli -h 127.0.0.1 -p "$SERVER_PORT" --pipe < "$proto" 2>&1); then :; else
    log "$kind: redis-cli --pipe failed: $piped"
  fi
  log "$kind: $(printf '%s' "$piped" | tr -d '\r' | tail -n 1)"
  keys=$(redis-cli -h 127.0.0.1 -p "$SERVER_PORT" dbsize 2>/dev/null | tr -d '\r')
  u1=$(info_field "$SERVER_PORT" memory used_memory)
  r1=$(rss_kb "$SERVER_PID")
  stop_server "$SERVER_PID"
  if [[ $keys != "$MEM_KEYS" ]]; then
    log "warning: $kind DBSIZE is '$keys', expected $MEM_KEYS"
  fi
  MEM_KEYS_LOADED[$kind]=$keys
  if is_uint "$keys" && (( keys > 0 )); then
    if is_uint "${u0:-x}" && is_uint "${u1:-x}"; then
      MEM_USED[$kind]=$(awk -v a="$u0" -v b="$u1" -v k="$keys" 'BEGIN { printf "%.1f", (b - a) / k }')
    fi
    if is_uint "${r0:-x}" && is_uint "${r1:-x}"; then
      MEM_RSS[$kind]=$(awk -v a="$r0" -v b="$r1" -v k="$keys" 'BEGIN { printf "%.1f", (b - a) * 1024 / k }')
    fi
  fi
  log "$kind: keys=$keys used_memory $u0 -> $u1, VmRSS ${r0} kB -> ${r1} kB"
}

memory_table() {
  local proto=$TMP/mem.resp kind
  log "generating $MEM_KEYS SET commands"
  gen_mem_protocol "$proto"
  for kind in redis shardis; do
    log "memory: $kind"
    mem_one "$kind" "$proto"
  done
  emit ""
  emit "### Memory per key ($MEM_KEYS keys \`key:N\`, ${MEM_VALUE_SIZE}-byte values, loaded with redis-cli --pipe)"
  emit ""
  emit "Bytes per key: lower is better; ratio = redis/shardis (>1: shardis smaller)."
  emit ""
  emit_table \
    "metric|redis B/key|shardis B/key|ratio r/s (↑ better)" \
    "used_memory (INFO)|${MEM_USED[redis]:-n/a}|${MEM_USED[shardis]:-n/a}|$(ratio "${MEM_USED[redis]:-}" "${MEM_USED[shardis]:-}")" \
    "VmRSS (/proc)|${MEM_RSS[redis]:-n/a}|${MEM_RSS[shardis]:-n/a}|$(ratio "${MEM_RSS[redis]:-}" "${MEM_RSS[shardis]:-}")" \
    "DBSIZE after load|${MEM_KEYS_LOADED[redis]:-n/a}|${MEM_KEYS_LOADED[shardis]:-n/a}|"
}

# Busy CPU on the whole machine over one second, in percent of one core.
# Other load on the host makes every number here noisy; it is reported.
background_load() {  # background_load [SAMPLE_SECONDS]
  local a b
  a=$(awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6; exit }' /proc/stat)
  sleep "${1:-1}"
  b=$(awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6; exit }' /proc/stat)
  awk -v a="$a" -v b="$b" -v n="$(nproc)" 'BEGIN {
    split(a, x, " "); split(b, y, " "); busy = y[1] - x[1]; tot = busy + y[2] - x[2]
    if (tot > 0) printf "%.0f", busy * 100 * n / tot; else print 0 }'
}

# Wait (at most WAIT_QUIET seconds) until the host is idle.
wait_quiet() {
  (( WAIT_QUIET > 0 )) || return 0
  local deadline=$(( SECONDS + WAIT_QUIET )) l
  while :; do
    l=$(background_load 0.5)
    (( l < 10 )) && return 0
    if (( SECONDS >= deadline )); then
      log "host still busy (${l}% of a core) after waiting ${WAIT_QUIET}s; going on"
      return 0
    fi
    sleep 1
  done
}

# ------------------------------------------------------------------- main --
: > "$REPORT"
rev=$(git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
emit "## shardis vs redis benchmark"
emit ""
emit "- date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), shardis git: $rev"
emit "- redis: $REDIS_BIN ($("$REDIS_BIN" --version | awk '{ print $3 }'))"
emit "- shardis: $SHARDIS_BIN$([[ $THREADS_FLAG == yes ]] && printf ' --threads %s' "$SHARDS")"
emit "- host: $(nproc) CPUs, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || echo unknown CPU), kernel $(uname -r)"
load=$(background_load)
emit "- background CPU load before the run: ${load}% of one core$( (( load > 10 )) && printf ' (WARNING: the host is busy, expect noise)')"
(( load <= 10 )) || log "warning: the host is busy (${load}% of one core) before the run; expect noisy numbers"
emit "- server pinned to CPU(s) $CORE_SERVER, redis-benchmark/redis-cli to CPU(s) $CORE_CLIENT"
emit "- tests: ${TEST_LIST[*]}; pipelines: ${DEPTHS[*]}; clients: $CLIENTS; repeat: $REPEAT; keyspace: ${KEYSPACE:-single key}"

# Fail fast if either server cannot start at all.
for kind in redis shardis; do
  start_server "$kind"
  log "$kind starts fine (pid $SERVER_PID, port $SERVER_PORT)"
  stop_server "$SERVER_PID"
done

if [[ $THROUGHPUT != 0 ]]; then throughput_tables; fi
if (( MEM_KEYS > 0 )); then memory_table; fi

cp "$REPORT" "$OUT"
log "results written to $OUT"
