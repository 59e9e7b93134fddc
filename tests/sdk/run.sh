#!/usr/bin/env bash
# Drives a release build of paddock with Paddle's official SDKs (Python and
# Node), the docs' pytest and Playwright examples (the latter with
# @paddle/paddle-js on paddock's Paddle.js stand-in, in Debian's chromium),
# then schemathesis against its /openapi.json, once per storage backend.
# Installs what it needs (a venv under target/, npm ci) from the registries;
# leaves no process running.
#
#   bash tests/sdk/run.sh            # SQLite, and Postgres at 127.0.0.1:5432
#   SDK_BACKENDS=sqlite bash tests/sdk/run.sh
#   SCHEMATHESIS_SEED=42 bash tests/sdk/run.sh   # another exploration (default seed: 1)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"

backends="${SDK_BACKENDS:-sqlite postgres}"
postgres_url="${PADDOCK_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
venv="$root/target/sdk-venv"

cargo build --release --locked --quiet
if [ ! -x "$venv/bin/pytest" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check \
  -r tests/sdk/python/requirements.txt -r tests/conformance/requirements.txt
(cd tests/sdk/node && npm ci --silent --no-audit --no-fund)
# The Playwright example drives Debian's Chromium: no browser download.
(cd docs/examples/playwright && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --silent --no-audit --no-fund)

pid=""
database=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  if [ -n "$database" ]; then psql "$postgres_url" -qc "drop database if exists \"$database\" with (force)" >/dev/null || true; fi
  pid=""; database=""
}
trap cleanup EXIT

export SCHEMATHESIS_KEY_ID="apikey_01hzx8y3k9m2q4r6t8v0w2x4y6"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

for backend in $backends; do
  case "$backend" in
    sqlite) url="sqlite::memory:" ;;
    postgres)
      database="paddock_sdk_$(date +%s)_$$"
      psql "$postgres_url" -qc "create database \"$database\"" >/dev/null
      url="${postgres_url%/*}/$database" ;;
    *) echo "unknown backend $backend" >&2; exit 2 ;;
  esac
  port="$(free_port)"
  export PADDOCK_URL="http://127.0.0.1:$port"
  export PADDOCK_ADMIN_TOKEN="sdk-suite-admin-token"
  # schemathesis's key: configured, so its id is known in advance (the
  # rotation operations act only on the caller's own id), and rotatable.
  # Its rotations stay pending, as schemathesis never uses a new secret, so
  # the key keeps working all run.
  key="pdl_sdbx_apikey_${SCHEMATHESIS_KEY_ID#apikey_}_$(python3 -c 'import secrets; print(secrets.token_urlsafe(24))')"
  DATABASE_URL="$url" PADDOCK_LISTEN="127.0.0.1:$port" PADDOCK_DATA_DIR="$root/target/sdk-data" \
    PADDOCK_API_KEYS="$key=client_token.read,client_token.write,api_key.read,transaction.read|name=schemathesis|rotatable=true" \
    RUST_LOG=warn "$root/target/release/paddock" > /dev/null &
  pid=$!
  for _ in $(seq 1 100); do
    "$root/target/release/paddock" healthcheck --url "$PADDOCK_URL/readyz" 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || { echo "paddock exited" >&2; exit 1; }
    sleep 0.1
  done
  echo "== SDK suites on $backend ($PADDOCK_URL)"
  (cd tests/sdk/python && "$venv/bin/pytest" -q -p no:cacheprovider)
  # The worked example for test suites, as docs/pytest.md shows it.
  (cd docs/examples/pytest && "$venv/bin/pytest" -q -p no:cacheprovider)
  # The worked example for browsers, as docs/paddle-js.md shows it.
  (cd docs/examples/playwright && CHROMIUM="$(command -v chromium)" npx --no-install playwright test)
  (cd tests/sdk/node && node --test)

  echo "== schemathesis on $backend"
  # One worker: hypothesis's lambda introspection is not thread-safe on Python 3.11.
  "$venv/bin/schemathesis" --config-file tests/conformance/schemathesis.toml run \
    "$PADDOCK_URL/openapi.json" -H "Authorization: Bearer $key" \
    --max-examples 100 --workers 1 --seed "${SCHEMATHESIS_SEED:-1}" --no-color
  cleanup
done
