#!/usr/bin/env bash
# paddock's benchmark: its throughput, latency and memory on the embedded
# store and on Postgres, each as a ratio of ceilings measured in the same
# run (a bare axum server sending the same bytes; pgbench doing the same
# single-row INSERT and primary-key SELECT). See bench/README.md.
#
#   bash bench/run.sh                     # 32 connections, 10 s per run, 2 s warm-up
#   BENCH_DURATION=5 bash bench/run.sh
#   BENCH_TARGETS="axum postgres pgbench" BENCH_SCENARIOS="create get" bash bench/run.sh
#   BENCH_TARGETS="axum sqlite" BENCH_SCENARIOS="sweep" bash bench/run.sh    # 1, 32, 256 connections
#   BENCH_TARGETS="sqlite postgres" BENCH_SCENARIOS="large" bash bench/run.sh # 60,000 vs 600,000 tokens
#   BENCH_BASELINE_BIN=/path/to/old/paddock BENCH_SCENARIOS="create revoke" bash bench/run.sh
#       # each request also on that binary, run right after this build's, and their ratio
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

connections="${BENCH_CONNECTIONS:-32}"
duration="${BENCH_DURATION:-10}"
warmup="${BENCH_WARMUP:-2}"
targets=" ${BENCH_TARGETS:-axum sqlite postgres pgbench} "
scenarios="${BENCH_SCENARIOS:-healthz create get list revoke sweep large}"
# The sweep: these requests at each of these connection counts, on the servers
# of the main table once its runs are done.
sweep_connections="${BENCH_SWEEP_CONNECTIONS:-1 32 256}"
sweep_scenarios="${BENCH_SWEEP_SCENARIOS:-get create}"
sweep_duration="${BENCH_SWEEP_DURATION:-5}"
sweep_warmup="${BENCH_SWEEP_WARMUP:-1}" # its servers are warm from the main runs
# The large store: a fresh server grown to each of these sizes in turn, GET by
# id measured at each.
large_tokens="${BENCH_LARGE_TOKENS:-60000 600000}"
# Tokens seeded for the revoke run alone: at least its requests' count.
revoke_tokens="${BENCH_REVOKE_TOKENS:-400000}"
postgres_url="${PADDOCK_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
# Another paddock binary (an earlier commit's release build) to compare with:
# its servers, `sqlite-baseline` and `postgres-baseline`, take every request of
# the main table right after this build's, on databases of their own.
baseline_bin="${BENCH_BASELINE_BIN:-}"
if [[ -n "$baseline_bin" && ! -x "$baseline_bin" ]]; then
  echo "BENCH_BASELINE_BIN: not an executable: $baseline_bin" >&2; exit 1
fi
key="pdl_sdbx_apikey_01hv8gz6y0m8m5f8q2y9f7kj3x_benchmarkKey"
admin="bench-admin-token"

requests=(); sweep=false; large=false
for scenario in $scenarios; do
  case "$scenario" in
    healthz|create|get|list|revoke) requests+=("$scenario") ;;
    sweep) sweep=true ;;
    large) large=true ;;
    *) echo "unknown scenario: $scenario (healthz, create, get, list, revoke, sweep, large)" >&2; exit 1 ;;
  esac
done
for scenario in $sweep_scenarios; do
  case "$scenario" in
    healthz|create|get|list|revoke) ;;
    *) echo "unknown sweep scenario: $scenario (healthz, create, get, list, revoke)" >&2; exit 1 ;;
  esac
done
previous=0
for tokens in $large_tokens; do
  if ! [[ "$tokens" =~ ^[1-9][0-9]*$ ]] || (( tokens <= previous )); then
    echo "BENCH_LARGE_TOKENS: increasing counts of tokens, not '$large_tokens'" >&2; exit 1
  fi
  previous="$tokens"
done

if ! command -v wrk > /dev/null; then
  echo "installing wrk (Debian package)" >&2
  apt-get install -y -qq wrk > /dev/null 2>&1 || { apt-get update -qq > /dev/null && apt-get install -y -qq wrk > /dev/null; }
fi
command -v pgbench > /dev/null || { echo "pgbench (postgresql-client) is required" >&2; exit 1; }

cargo build --release --locked --quiet --bin paddock --example bench-ceiling

work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  if [[ -f "$work/databases" ]]; then
    while read -r db; do psql "$postgres_url" -qc "drop database if exists \"$db\" with (force)" > /dev/null 2>&1 || true; done < "$work/databases"
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# new_database NAME: creates it on the Postgres server (dropped on exit);
# prints its URL. Called in $(..), a subshell, so the names to drop are kept
# in a file rather than a variable.
new_database() {
  echo "$1" >> "$work/databases"
  psql "$postgres_url" -qc "create database \"$1\"" > /dev/null
  echo "${postgres_url%/*}/$1"
}

# store_url STORE NAME: a new, empty database named NAME on STORE (sqlite, postgres).
store_url() {
  case "$1" in
    sqlite) echo "sqlite:$work/$2.db" ;;
    postgres) new_database "${2//-/_}_$$" ;;
  esac
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
now_ns() { date +%s%N; }
results="$work/results.tsv"
printf 'config\t%s\t%s\n' connections "$connections" duration "$duration" warmup "$warmup" \
  sweep_duration "$sweep_duration" sweep_warmup "$sweep_warmup" > "$results"

# wait_ready URL: until it answers 200; prints milliseconds waited since $started.
wait_ready() {
  for _ in $(seq 1 2000); do
    if curl -sf -o /dev/null "$1"; then echo $(( ($(now_ns) - started) / 1000000 )); return; fi
    sleep 0.002
  done
  echo "not ready: $1" >&2; exit 1
}

# run_wrk SCRIPT URL [CONNECTIONS [DURATION [WARMUP]]]: warm-up, then the
# measured run; prints wrk's output. wrk needs a connection per thread: -t1 for 1.
run_wrk() {
  local c="${3:-$connections}" d="${4:-$duration}" w="${5:-$warmup}" t=2
  (( c >= 2 )) || t=1
  if (( w > 0 )); then wrk -t"$t" -c"$c" -d"${w}s" -s "$1" "$2" > /dev/null; fi
  wrk -t"$t" -c"$c" -d"${d}s" --latency -s "$1" "$2"
}

# reset_peak PID: resets the process's VmHWM to its current RSS, so the next
# reading is the peak of what follows; prints the peak's scope for report.py.
reset_peak() {
  if { echo 5 > "/proc/$1/clear_refs"; } 2> /dev/null; then echo run; else echo start; fi
}

# run_sweep: the sweep's requests at each connection count, each on every
# running server in turn before the next.
run_sweep() {
  local scenario c target scope out
  for scenario in $sweep_scenarios; do
    for c in $sweep_connections; do
      for target in "${running[@]}"; do
        echo "   sweep: $target $scenario at $c connections" >&2
        scope="$(reset_peak "${pid_of[$target]}")"
        out="$work/$target-sweep-$scenario-$c.out"
        run_wrk "$(script_for "$target" "$scenario")" "${base_of[$target]}" "$c" "$sweep_duration" "$sweep_warmup" > "$out"
        python3 "$root/bench/report.py" sweep "$target" "$scenario" "$c" "$out" "${pid_of[$target]}" "$scope" >> "$results"
      done
    done
  done
}

# record TARGET SCENARIO WRK_OUTPUT_FILE PID
record() {
  python3 "$root/bench/report.py" wrk "$1" "$2" "$3" "$4" >> "$results"
}

python3 "$root/bench/report.py" scripts "$work" "$key"

# script_for TARGET SCENARIO: the wrk script, with TARGET's ids where it needs them.
script_for() {
  case "$2" in
    get) sed "s|__IDS__|$work/$1-ids.lua|" "$work/$2.lua.in" > "$work/$1-$2.lua"; echo "$work/$1-$2.lua" ;;
    # Its own tokens where seeded (see seed_revocable), else the main ones.
    revoke)
      local ids="$work/$1-revoke-ids.lua"
      [[ -f "$ids" ]] || ids="$work/$1-ids.lua"
      sed "s|__IDS__|$ids|" "$work/$2.lua.in" > "$work/$1-$2.lua"; echo "$work/$1-$2.lua" ;;
    *) echo "$work/$2.lua" ;;
  esac
}

start_paddock() { # NAME DATABASE_URL [BINARY] -> sets pid, base, startup_ms
  local port binary="${3:-$root/target/release/paddock}"; port="$(free_port)"
  base="http://127.0.0.1:$port"
  started="$(now_ns)"
  DATABASE_URL="$2" PADDOCK_LISTEN="127.0.0.1:$port" PADDOCK_DATA_DIR="$work/$1" RUST_LOG=warn \
    PADDOCK_API_KEYS="$key=client_token.read,client_token.write" PADDOCK_ADMIN_TOKEN="$admin" \
    "$binary" > /dev/null 2>&1 &
  pid=$!; pids+=("$pid")
  # /readyz: /healthz answers 200 before the database is migrated.
  startup_ms="$(wait_ready "$base/readyz")"
}

# seed_revocable: tokens of their own for the revoke run, on every running
# paddock, enough that every PATCH of the run (warm-up included) revokes an
# active token: were the ids to run out, the rest would find their token
# revoked already and be answered without a write.
seed_revocable() {
  local target
  for target in "${running[@]}"; do
    [[ "$target" != axum ]] || continue
    echo "   revoke: seeding $revoke_tokens tokens on $target" >&2
    python3 "$root/bench/report.py" seed "${base_of[$target]}" "$admin" "$work/$target-revoke-ids.lua" "$revoke_tokens"
  done
}

serve_paddock() { # NAME DATABASE_URL [BINARY]: started, seeded and added to the running servers
  start_paddock "$1" "$2" "${3:-}"
  echo "startup	$1	$startup_ms" >> "$results"
  python3 "$root/bench/report.py" seed "$base" "$admin" "$work/$1-ids.lua"
  running+=("$1"); pid_of[$1]="$pid"; base_of[$1]="$base"
}

bench_large() { # NAME DATABASE_URL: a fresh server, grown to each size of $large_tokens
  local from=0 tokens seeding scope out
  start_paddock "$1-large" "$2"
  for tokens in $large_tokens; do
    echo "   large: $1 seeding tokens $from..$((tokens - 1))" >&2
    seeding="$(now_ns)"
    python3 "$root/bench/report.py" seed_range "$base" "$admin" "$from" "$tokens"
    seeding="$(( ($(now_ns) - seeding) / 10000000 ))"
    seeding="$(( seeding / 100 )).$(printf '%02d' $(( seeding % 100 )))"
    echo "   large: $1 seeded in $seeding s; GET over $tokens ids" >&2
    sed "s|__COUNT__|$tokens|" "$work/get-range.lua.in" > "$work/$1-large-$tokens.lua"
    scope="$(reset_peak "$pid")"
    out="$work/$1-large-$tokens.out"
    run_wrk "$work/$1-large-$tokens.lua" "$base" > "$out"
    python3 "$root/bench/report.py" large "$1" "$tokens" "$seeding" "$out" "$pid" "$scope" >> "$results"
    from="$tokens"
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

main=false
if (( ${#requests[@]} )) || $sweep; then main=true; fi

# pgbench_ceiling SCENARIO (insert, select): pgbench on a database of its
# own, once per run.
pgbench_ready=false; pgbench_done=" "
pgbench_ceiling() {
  [[ "$targets" == *" pgbench "* && "$pgbench_done" != *" $1 "* ]] || return 0
  if ! $pgbench_ready; then
    echo "== ceiling: pgbench" >&2
    pg="$(new_database "paddock_pgbench_$$")"
    psql "$pg" -q -f "$root/migrations/postgres/0001_client_tokens_and_api_keys.sql" > /dev/null
    psql "$pg" -qc "insert into client_tokens select 'ctkn_' || lpad(g::text, 26, '0'), 'default', 'sandbox', 'test_' || lpad(to_hex(g), 27, '0'), 'bench', null, 'active', null, now(), now() from generate_series(1, 100000) g" > /dev/null
    # Planned and hinted as a table in use, not one just loaded.
    psql "$pg" -qc "vacuum analyze client_tokens" > /dev/null
    pgbench_ready=true
  fi
  echo "   pgbench $1" >&2
  if (( warmup > 0 )); then
    pgbench -n -c "$connections" -j 2 -T "$warmup" -f "$root/bench/pgbench-$1.sql" "$pg" > /dev/null 2>&1
  fi
  # -l: each transaction's latency, for its p50 and p99 (pgbench itself
  # reports only the average).
  pgbench -n -c "$connections" -j 2 -T "$duration" -l --log-prefix="$work/pgbench-$1-log" \
    -f "$root/bench/pgbench-$1.sql" "$pg" > "$work/pgbench-$1.out" 2>&1
  python3 "$root/bench/report.py" pgbench "$1" "$work/pgbench-$1.out" "$work/pgbench-$1-log" >> "$results"
  pgbench_done+="$1 "
}

# The main table: every server is started first; then each request runs on
# each server in turn (bare axum first), and its database ceiling right
# after, so that a ratio compares runs made within a minute of each other,
# not minutes apart while the host's load drifts.
running=(); declare -A pid_of base_of
if $main && [[ "$targets" == *" axum "* ]]; then
  echo "== ceiling: bare axum" >&2
  port="$(free_port)"
  python3 "$root/bench/report.py" bodies "$work"
  started="$(now_ns)"
  CEILING_LISTEN="127.0.0.1:$port" CEILING_ENTITY="$work/entity.json" CEILING_LIST="$work/list.json" \
    CEILING_HEALTHZ="$work/healthz.json" \
    "$root/target/release/examples/bench-ceiling" 2> /dev/null &
  pid=$!; pids+=("$pid")
  wait_ready "http://127.0.0.1:$port/client-tokens" > /dev/null
  cp "$work/ids.lua" "$work/axum-ids.lua"
  running+=(axum); pid_of[axum]="$pid"; base_of[axum]="http://127.0.0.1:$port"
fi
for store in sqlite postgres; do
  if $main && [[ "$targets" == *" $store "* ]]; then
    echo "== paddock on $store: starting and seeding" >&2
    serve_paddock "$store" "$(store_url "$store" paddock-bench)"
    if [[ -n "$baseline_bin" ]]; then
      echo "== baseline paddock on $store: starting and seeding" >&2
      serve_paddock "$store-baseline" "$(store_url "$store" paddock-bench-baseline)" "$baseline_bin"
    fi
  fi
done
for scenario in "${requests[@]}"; do
  if [[ "$scenario" == revoke ]]; then seed_revocable; fi
  for target in "${running[@]}"; do
    echo "   $scenario: $target" >&2
    run_wrk "$(script_for "$target" "$scenario")" "${base_of[$target]}" > "$work/$target-$scenario.out"
    record "$target" "$scenario" "$work/$target-$scenario.out" "${pid_of[$target]}"
  done
  case "$scenario" in
    create|revoke) pgbench_ceiling insert ;;
    get|list) pgbench_ceiling select ;;
  esac
done
if $sweep; then run_sweep; fi
for target in "${running[@]}"; do
  kill "${pid_of[$target]}"; wait "${pid_of[$target]}" 2>/dev/null || true
done
# The database ceiling is measured whenever the main table is.
if (( ${#requests[@]} )); then pgbench_ceiling insert; pgbench_ceiling select; fi

for store in sqlite postgres; do
  if $large && [[ "$targets" == *" $store "* ]]; then
    echo "== paddock on $store, growing" >&2
    bench_large "$store" "$(store_url "$store" paddock-bench-large)"
  fi
done

python3 "$root/bench/report.py" table "$results" "$connections" "$duration"
