#!/usr/bin/env bash
# paddock's benchmark: its throughput, latency and memory on the embedded
# store and on Postgres, each as a ratio of ceilings measured in the same
# run (a bare axum server sending the same bytes; pgbench doing the same
# single-row INSERT and primary-key SELECT). See bench/README.md.
#
#   bash bench/run.sh                     # 32 connections, 10 s per run, 2 s warm-up
#   BENCH_DURATION=5 bash bench/run.sh
#   BENCH_TARGETS="axum postgres pgbench" BENCH_SCENARIOS="create get" bash bench/run.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

connections="${BENCH_CONNECTIONS:-32}"
duration="${BENCH_DURATION:-10}"
warmup="${BENCH_WARMUP:-2}"
targets=" ${BENCH_TARGETS:-axum sqlite postgres pgbench} "
scenarios="${BENCH_SCENARIOS:-healthz create get list revoke}"
postgres_url="${PADDOCK_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
key="pdl_sdbx_apikey_01hv8gz6y0m8m5f8q2y9f7kj3x_benchmarkKey"
admin="bench-admin-token"

if ! command -v wrk > /dev/null; then
  echo "installing wrk (Debian package)" >&2
  apt-get install -y -qq wrk > /dev/null 2>&1 || { apt-get update -qq > /dev/null && apt-get install -y -qq wrk > /dev/null; }
fi
command -v pgbench > /dev/null || { echo "pgbench (postgresql-client) is required" >&2; exit 1; }

cargo build --release --locked --quiet --bin paddock --example bench-ceiling

work="$(mktemp -d)"
pids=()
databases=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  for db in "${databases[@]}"; do psql "$postgres_url" -qc "drop database if exists \"$db\" with (force)" > /dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
now_ns() { date +%s%N; }
results="$work/results.tsv"
: > "$results"

# wait_ready URL: until it answers 200; prints milliseconds waited since $started.
wait_ready() {
  for _ in $(seq 1 2000); do
    if curl -sf -o /dev/null "$1"; then echo $(( ($(now_ns) - started) / 1000000 )); return; fi
    sleep 0.002
  done
  echo "not ready: $1" >&2; exit 1
}

# run_wrk SCRIPT URL: warm-up, then the measured run; prints wrk's output.
run_wrk() {
  if (( warmup > 0 )); then wrk -t2 -c"$connections" -d"${warmup}s" -s "$1" "$2" > /dev/null; fi
  wrk -t2 -c"$connections" -d"${duration}s" --latency -s "$1" "$2"
}

# record TARGET SCENARIO WRK_OUTPUT_FILE PID
record() {
  python3 "$root/bench/report.py" wrk "$1" "$2" "$3" "$4" >> "$results"
}

python3 "$root/bench/report.py" scripts "$work" "$key"

# script_for TARGET SCENARIO: the wrk script, with TARGET's ids where it needs them.
script_for() {
  case "$2" in
    get|revoke) sed "s|__IDS__|$work/$1-ids.lua|" "$work/$2.lua.in" > "$work/$1-$2.lua"; echo "$work/$1-$2.lua" ;;
    *) echo "$work/$2.lua" ;;
  esac
}

start_paddock() { # NAME DATABASE_URL -> sets pid, base, startup_ms
  local port; port="$(free_port)"
  base="http://127.0.0.1:$port"
  started="$(now_ns)"
  DATABASE_URL="$2" PADDOCK_LISTEN="127.0.0.1:$port" PADDOCK_DATA_DIR="$work/$1" RUST_LOG=warn \
    PADDOCK_API_KEYS="$key=client_token.read,client_token.write" PADDOCK_ADMIN_TOKEN="$admin" \
    "$root/target/release/paddock" > /dev/null 2>&1 &
  pid=$!; pids+=("$pid")
  # /readyz: /healthz answers 200 before the database is migrated.
  startup_ms="$(wait_ready "$base/readyz")"
}

bench_paddock() { # NAME DATABASE_URL
  start_paddock "$1" "$2"
  echo "startup	$1	$startup_ms" >> "$results"
  python3 "$root/bench/report.py" seed "$base" "$admin" "$work/$1-ids.lua"
  for scenario in $scenarios; do
    run_wrk "$(script_for "$1" "$scenario")" "$base" > "$work/$1-$scenario.out"
    record "$1" "$scenario" "$work/$1-$scenario.out" "$pid"
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

if [[ "$targets" == *" axum "* ]]; then
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
  for scenario in $scenarios; do
    run_wrk "$(script_for axum "$scenario")" "http://127.0.0.1:$port" > "$work/axum-$scenario.out"
    record axum "$scenario" "$work/axum-$scenario.out" "$pid"
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
fi

if [[ "$targets" == *" sqlite "* ]]; then
  echo "== paddock on SQLite (the embedded default)" >&2
  bench_paddock sqlite "sqlite:$work/sqlite.db"
fi

if [[ "$targets" == *" postgres "* ]]; then
  echo "== paddock on Postgres" >&2
  db="paddock_bench_$$"; databases+=("$db")
  psql "$postgres_url" -qc "create database \"$db\"" > /dev/null
  bench_paddock postgres "${postgres_url%/*}/$db"
fi

if [[ "$targets" == *" pgbench "* ]]; then
  echo "== ceiling: pgbench" >&2
  pgdb="paddock_pgbench_$$"; databases+=("$pgdb")
  psql "$postgres_url" -qc "create database \"$pgdb\"" > /dev/null
  pg="${postgres_url%/*}/$pgdb"
  psql "$pg" -q -f "$root/migrations/postgres/0001_client_tokens_and_api_keys.sql" > /dev/null
  psql "$pg" -qc "insert into client_tokens select 'ctkn_' || lpad(g::text, 26, '0'), 'default', 'sandbox', 'test_' || lpad(to_hex(g), 27, '0'), 'bench', null, 'active', null, now(), now() from generate_series(1, 100000) g" > /dev/null
  for scenario in insert select; do
    if (( warmup > 0 )); then
      pgbench -n -c "$connections" -j 2 -T "$warmup" -f "$root/bench/pgbench-$scenario.sql" "$pg" > /dev/null 2>&1
    fi
    pgbench -n -c "$connections" -j 2 -T "$duration" -f "$root/bench/pgbench-$scenario.sql" "$pg" > "$work/pgbench-$scenario.out" 2>&1
    python3 "$root/bench/report.py" pgbench "$scenario" "$work/pgbench-$scenario.out" >> "$results"
  done
fi

python3 "$root/bench/report.py" table "$results" "$connections" "$duration"
