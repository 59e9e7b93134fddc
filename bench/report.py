"""Helpers for bench/run.sh: wrk scripts, seeding, parsing, and the table.
Standard library only."""

import concurrent.futures
import glob
import json
import math
import os
import re
import sys
import urllib.request

SEED_COUNT = 60_000
# Fixtures per request and requests at a time, when seeding: on SQLite a
# fixture costs paddock about twice the CPU in a batch of 1,000 as in one of
# 100.
BATCH = 100
SEED_WORKERS = 4
# The ids of the large store's fixtures, by formula, so wrk's script can draw
# one from its number instead of loading a table of them.
FORMULA_ID = "ctkn_{:026d}"


def scripts(work, key):
    auth = f'wrk.headers["Authorization"] = "Bearer {key}"\n'
    files = {
        "create.lua": 'wrk.method = "POST"\nwrk.path = "/client-tokens"\n'
        'wrk.body = \'{"name":"bench","description":"load test"}\'\n'
        'wrk.headers["Content-Type"] = "application/json"\n' + auth,
        "list.lua": 'wrk.path = "/client-tokens?per_page=50"\n' + auth,
        # No key, no store: the fixed cost of a request.
        "healthz.lua": 'wrk.path = "/healthz"\n',
        "get.lua.in": 'dofile("__IDS__")\n' + auth + "math.randomseed(os.time())\n"
        'request = function() return wrk.format("GET", "/client-tokens/" .. ids[math.random(#ids)]) end\n',
        # Each thread revokes its own stride of ids, so each PATCH revokes a
        # token that is still active (until the seeded ids run out).
        "revoke.lua.in": 'dofile("__IDS__")\n' + auth
        + 'wrk.headers["Content-Type"] = "application/json"\nwrk.body = \'{"status":"revoked"}\'\n'
        + "local threads = 0\n"
        'function setup(thread) thread:set("offset", threads); threads = threads + 1 end\n'
        "local n = 0\n"
        "request = function()\n  n = n + 1\n  local i = ((n * 2 + (offset or 0)) % #ids) + 1\n"
        '  return wrk.format("PATCH", "/client-tokens/" .. ids[i])\nend\n',
        # GET over ids 0 .. __COUNT__-1 of FORMULA_ID, each thread seeded apart.
        "get-range.lua.in": auth + "local count = __COUNT__\nlocal threads = 0\n"
        'function setup(thread) thread:set("offset", threads); threads = threads + 1 end\n'
        "function init() math.randomseed(os.time() * 64 + (offset or 0)) end\n"
        'request = function()\n  return wrk.format("GET", string.format("/client-tokens/ctkn_%026d",'
        " math.random(0, count - 1)))\nend\n",
    }
    for name, text in files.items():
        with open(os.path.join(work, name), "w") as f:
            f.write(text)
    write_ids(os.path.join(work, "ids.lua"), [FORMULA_ID.format(n) for n in range(SEED_COUNT)])


def write_ids(path, ids):
    with open(path, "w") as f:
        f.write("ids = {" + ",".join(f'"{i}"' for i in ids) + "}\n")


def entity(n):
    return {
        "id": f"ctkn_01kbench{n:017d}",
        "token": f"test_{n:027x}",
        "name": "bench",
        "description": "load test",
        "status": "active",
        "revoked_at": None,
        "created_at": "2026-11-22T23:51:00.844703Z",
        "updated_at": "2026-11-22T23:51:00.844703Z",
    }


def bodies(work):
    """Bodies of paddock's shape and size, for the bare-axum ceiling."""
    meta = {"request_id": "5d0477f5-ca36-4b0e-a149-188ff4b844d4"}
    with open(os.path.join(work, "healthz.json"), "w") as f:
        json.dump({"data": {"status": "ok"}, "meta": meta}, f, separators=(",", ":"))
    with open(os.path.join(work, "entity.json"), "w") as f:
        json.dump({"data": entity(1), "meta": meta}, f, separators=(",", ":"))
    pagination = {
        "per_page": 50,
        "next": "http://127.0.0.1:8080/client-tokens?per_page=50&after=ctkn_01kbench00000000000000050",
        "has_more": True,
        "estimated_total": 100001,
    }
    with open(os.path.join(work, "list.json"), "w") as f:
        json.dump({"data": [entity(n) for n in range(50)], "meta": {**meta, "pagination": pagination}}, f,
                  separators=(",", ":"))


def post_fixtures(base, admin, fixtures):
    """One batch through the admin fixtures API; the created tokens."""
    body = json.dumps({"client_tokens": fixtures}, separators=(",", ":")).encode()
    request = urllib.request.Request(
        f"{base}/__paddock/accounts/default/client-tokens", data=body, method="POST",
        headers={"Authorization": f"Bearer {admin}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return json.load(response)["data"]


def seed(base, admin, out, count=SEED_COUNT):
    """Seeds `count` active tokens through the admin API; writes their ids for wrk."""
    def batch(_):
        return [token["id"] for token in post_fixtures(base, admin, [{"name": "seed"}] * BATCH)]

    with concurrent.futures.ThreadPoolExecutor(SEED_WORKERS) as pool:
        write_ids(out, [i for ids in pool.map(batch, range(int(count) // BATCH)) for i in ids])


def seed_range(base, admin, start, stop):
    """Seeds active tokens with ids FORMULA_ID of start .. stop-1, in batches
    of BATCH, SEED_WORKERS at a time."""
    start, stop = int(start), int(stop)

    def batch(first):
        fixtures = [{"id": FORMULA_ID.format(n), "name": "seed"} for n in range(first, min(first + BATCH, stop))]
        created = len(post_fixtures(base, admin, fixtures))
        if created != len(fixtures):
            raise SystemExit(f"seeded {created} of {len(fixtures)} fixtures from {first}")

    with concurrent.futures.ThreadPoolExecutor(SEED_WORKERS) as pool:
        for _ in pool.map(batch, range(start, stop, BATCH)):
            pass


def millis(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def status_mb(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb(pid):
    return status_mb(pid, "VmHWM")


def parse_wrk(path):
    """requests/s, p50 ms, p99 ms, non-2xx responses, socket errors."""
    out = open(path).read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = millis(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = millis(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = int(errors.group(1)) if errors else 0
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    socket = sum(map(int, socket.groups())) if socket else 0
    return rps, p50, p99, errors, socket


def wrk(target, scenario, path, pid):
    rps, p50, p99, errors, _ = parse_wrk(path)
    print(f"wrk\t{target}\t{scenario}\t{rps:.0f}\t{p50:.2f}\t{p99:.2f}\t{peak_rss_mb(pid):.1f}\t{errors}")


def measured(path, pid):
    """A wrk run's figures and the server's memory, tab-separated: req/s,
    p50, p99, peak RSS (VmHWM), RSS now (VmRSS), non-2xx, socket errors."""
    rps, p50, p99, errors, socket = parse_wrk(path)
    return (f"{rps:.0f}\t{p50:.2f}\t{p99:.2f}\t{status_mb(pid, 'VmHWM'):.1f}\t{status_mb(pid, 'VmRSS'):.1f}"
            f"\t{errors}\t{socket}")


def sweep(target, scenario, connections, path, pid, peak_scope):
    """peak_scope: "run" when VmHWM was reset before the run, else "start"."""
    print(f"sweep\t{target}\t{scenario}\t{connections}\t{measured(path, pid)}\t{peak_scope}")


def large(target, tokens, seed_seconds, path, pid, peak_scope):
    print(f"large\t{target}\t{tokens}\t{seed_seconds}\t{measured(path, pid)}\t{peak_scope}")


def pgbench(scenario, path, log_prefix):
    """pgbench's rate and average latency from its output; p50 and p99 from
    its per-transaction logs (-l: one file per thread, the latency in µs in
    the third column)."""
    out = open(path).read()
    tps = float(re.search(r"tps = ([\d.]+)", out).group(1))
    latency = float(re.search(r"latency average = ([\d.]+) ms", out).group(1))
    logs = glob.glob(log_prefix + ".[0-9]*")  # PREFIX.PID, and PREFIX.PID.N per thread
    assert logs, f"no pgbench logs at {log_prefix}.PID"
    latencies = sorted(int(line.split()[2]) for log in logs for line in open(log))
    # The nearest-rank percentile: the smallest latency with q of them at or below it.
    p50, p99 = (latencies[max(0, math.ceil(len(latencies) * q) - 1)] / 1000 for q in (0.50, 0.99))
    print(f"pgbench\t{scenario}\t{tps:.0f}\t{latency:.2f}\t{p50:.2f}\t{p99:.2f}")


# The targets of issue 16: (scenario, target) -> (ceiling, minimum ratio).
TARGETS = {
    ("healthz", "sqlite"): ("axum", 0.85),
    ("get", "sqlite"): ("axum", 0.60),
    ("list", "sqlite"): ("axum", 0.30),
    ("create", "sqlite"): ("axum", 0.50),
    ("revoke", "sqlite"): ("axum", 0.25),
    ("get", "postgres"): ("select", 0.80),
    ("create", "postgres"): ("insert", 1.00),
    ("revoke", "postgres"): ("insert", 0.50),
    ("list", "postgres"): ("select", 0.25),
}
PEAK_RSS_MB = {"sqlite": 64, "postgres": 40}
NAMES = {"healthz": "GET /healthz", "create": "POST /client-tokens", "get": "GET /client-tokens/{id}",
         "list": "GET /client-tokens?per_page=50", "revoke": "PATCH revoke"}


def table(path, connections, duration):
    wrk_rows, pg, startup, sweep_rows, large_rows, config = {}, {}, {}, {}, {}, {}
    for line in open(path):
        fields = line.rstrip("\n").split("\t")
        if fields[0] == "wrk":
            wrk_rows[(fields[1], fields[2])] = fields[3:]
        elif fields[0] == "pgbench":
            pg[fields[1]] = fields[2:]
        elif fields[0] == "startup":
            startup[fields[1]] = float(fields[2])
        elif fields[0] == "sweep":
            sweep_rows[(fields[1], fields[2], int(fields[3]))] = fields[4:]
        elif fields[0] == "large":
            large_rows[(fields[1], int(fields[2]))] = fields[3:]
        elif fields[0] == "config":
            config[fields[1]] = fields[2]
    if wrk_rows or pg:
        main_table(wrk_rows, pg, startup, connections, duration)
    if sweep_rows:
        sweep_table(sweep_rows, config)
    if large_rows:
        large_table(large_rows, config)


def main_table(wrk_rows, pg, startup, connections, duration):
    print(f"\n{connections} connections, {duration} s per run after a warm-up; ratios are paddock / ceiling, same run.\n")
    print("| request | server | req/s | p50 ms | p99 ms | peak RSS MB | non-2xx | ratio to bare axum |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    ceilings = {"axum": {s: float(r[0]) for (t, s), r in wrk_rows.items() if t == "axum"},
                "insert": float(pg["insert"][0]) if "insert" in pg else None,
                "select": float(pg["select"][0]) if "select" in pg else None}
    checks = []
    peak = {}
    for (target, _), row in wrk_rows.items():
        peak[target] = max(peak.get(target, 0.0), float(row[3]))
    for scenario, name in NAMES.items():
        axum = ceilings["axum"].get(scenario)
        for target in ("axum", "sqlite", "sqlite-baseline", "postgres", "postgres-baseline"):
            if (target, scenario) not in wrk_rows:
                continue
            rps, p50, p99, rss, errors = wrk_rows[(target, scenario)]
            shown = f"{float(rps) / axum:.0%}" if axum else "not run"
            print(f"| {name} | {target} | {rps} | {p50} | {p99} | {rss} | {errors} | {shown} |")
            if target == "axum" or target.endswith("-baseline"):
                continue
            ceiling_name, minimum = TARGETS.get((scenario, target), (None, None))
            # On Postgres, beside the database's own p99 for the same work.
            own = pg.get(ceiling_name) if target == "postgres" else None
            beside = f" (pgbench {ceiling_name.upper()}: {own[3]} ms)" if own else ""
            checks.append((f"p99 of {name} on {target} < 10 ms", float(p99) < 10, f"{p99} ms{beside}"))
            ceiling = ceilings["axum"].get(scenario) if ceiling_name == "axum" else ceilings.get(ceiling_name)
            if ceiling_name and ceiling:
                label = "bare axum" if ceiling_name == "axum" else f"pgbench {ceiling_name.upper()}"
                ratio = float(rps) / ceiling
                checks.append((f"{name} on {target} >= {minimum:.0%} of {label}", ratio >= minimum, f"{ratio:.0%}"))
            # Against the baseline binary (BENCH_BASELINE_BIN), run just after.
            if (f"{target}-baseline", scenario) in wrk_rows:
                base_rps, _, base_p99, _, _ = wrk_rows[(f"{target}-baseline", scenario)]
                ratio = float(rps) / float(base_rps)
                measured = f"{ratio:.1%} (p99 {p99} vs {base_p99} ms)"
                checks.append((f"{name} on {target} >= 95% of the baseline's", ratio >= 0.95, measured))
    for scenario, (tps, latency, p50, p99) in pg.items():
        print(f"| pgbench {scenario.upper()} (avg {latency} ms) | postgres | {tps} | {p50} | {p99} | | | |")
    for target, limit in PEAK_RSS_MB.items():
        if target in peak:
            checks.append((f"peak RSS on {target} < {limit} MB", peak[target] < limit, f"{peak[target]:.1f} MB"))
    print()
    for target, ms in startup.items():
        print(f"start to first served request on {target}: {ms:.0f} ms")
    print("\n| target | met | measured |\n|---|---|---|")
    for name, met, measured in checks:
        print(f"| {name} | {'yes' if met else 'NO'} | {measured} |")


def peak_note(rows):
    """How to read the peak RSS column, from the runs' peak scopes."""
    scopes = {row[-1] for row in rows}
    if scopes == {"run"}:
        return "peak RSS is that run's own high-water mark (VmHWM, reset before its warm-up)"
    return ("peak RSS is the process's high-water mark since it started (VmHWM; it could not be reset "
            "here, so it never falls from one run to the next)")


def errors_cell(errors, socket):
    return errors if socket == "0" else f"{errors} + {socket} socket"


def sweep_table(rows, config):
    print(f"\n### Connection sweep\n\nEach request at each connection count (wrk -t1 at 1 connection, -t2 above), "
          f"{config.get('sweep_duration', '?')} s per run after a {config.get('sweep_warmup', '?')} s warm-up, "
          "on the main table's servers (60,000 seeded tokens) after its runs, connection counts in increasing order; "
          f"{peak_note(rows.values())}; RSS after is VmRSS as the run ended. "
          "Errors: non-2xx responses (+ wrk socket errors: connect, read, write, timeout).\n")
    print("| request | server | connections | req/s | p50 ms | p99 ms | peak RSS MB | RSS after MB | errors "
          "| ratio to bare axum |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    scenarios = list(dict.fromkeys(s for _, s, _ in rows))  # in the order run
    counts = sorted({c for _, _, c in rows})
    for scenario in scenarios:
        for target in ("axum", "sqlite", "postgres"):
            for count in counts:
                if (target, scenario, count) not in rows:
                    continue
                rps, p50, p99, peak, rss, errors, socket, _ = rows[(target, scenario, count)]
                axum = rows.get(("axum", scenario, count))
                ratio = "" if target == "axum" else f"{float(rps) / float(axum[0]):.0%}" if axum else "not run"
                print(f"| {NAMES[scenario]} | {target} | {count} | {rps} | {p50} | {p99} | {peak} | {rss} "
                      f"| {errors_cell(errors, socket)} | {ratio} |")


def large_table(rows, config):
    print(f"\n### GET by id as the store grows\n\nA fresh paddock per store, seeded through the admin fixtures "
          f"API ({BATCH} per request, {SEED_WORKERS} requests at a time) up to each size in turn, then "
          f"`GET /client-tokens/{{id}}` over random ids among all of its tokens: {config.get('connections', '?')} "
          f"connections, {config.get('duration', '?')} s after a {config.get('warmup', '?')} s warm-up; "
          f"{peak_note(rows.values())}; RSS after is VmRSS as the run ended. The smallest size is the baseline "
          "(unlike the main table's GET row, its store has no tokens from a POST run). "
          "Seeded in: seconds to grow the store to that size from the size before.\n")
    print("| server | tokens | seeded in s | req/s | p50 ms | p99 ms | peak RSS MB | RSS after MB | errors "
          "| req/s vs smallest | p99 vs smallest |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for target in ("sqlite", "postgres"):
        sizes = sorted(tokens for t, tokens in rows if t == target)
        for tokens in sizes:
            seconds, rps, p50, p99, peak, rss, errors, socket, _ = rows[(target, tokens)]
            base = rows[(target, sizes[0])]
            vs_rps = f"{float(rps) / float(base[1]):.0%}"
            vs_p99 = f"{float(p99) / float(base[3]):.2f}x" if float(base[3]) else ""
            print(f"| {target} | {tokens:,} | {seconds} | {rps} | {p50} | {p99} | {peak} | {rss} "
                  f"| {errors_cell(errors, socket)} | {vs_rps} | {vs_p99} |")


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    globals()[command](*args)
