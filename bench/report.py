"""Helpers for bench/run.sh: wrk scripts, seeding, parsing, and the table.
Standard library only."""

import json
import os
import re
import sys
import urllib.request

SEED_COUNT = 60_000
BATCH = 1_000


def scripts(work, key):
    auth = f'wrk.headers["Authorization"] = "Bearer {key}"\n'
    files = {
        "create.lua": 'wrk.method = "POST"\nwrk.path = "/client-tokens"\n'
        'wrk.body = \'{"name":"bench","description":"load test"}\'\n'
        'wrk.headers["Content-Type"] = "application/json"\n' + auth,
        "list.lua": 'wrk.path = "/client-tokens?per_page=50"\n' + auth,
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
    }
    for name, text in files.items():
        with open(os.path.join(work, name), "w") as f:
            f.write(text)
    write_ids(os.path.join(work, "ids.lua"), [f"ctkn_{n:026d}" for n in range(SEED_COUNT)])


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


def seed(base, admin, out):
    """Seeds active tokens through the admin API; writes their ids for wrk."""
    ids = []
    for _ in range(SEED_COUNT // BATCH):
        body = json.dumps({"client_tokens": [{"name": "seed"} for _ in range(BATCH)]}).encode()
        request = urllib.request.Request(
            f"{base}/__paddock/accounts/default/client-tokens", data=body, method="POST",
            headers={"Authorization": f"Bearer {admin}", "Content-Type": "application/json"})
        ids.extend(token["id"] for token in json.load(urllib.request.urlopen(request))["data"])
    write_ids(out, ids)


def millis(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def peak_rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def wrk(target, scenario, path, pid):
    out = open(path).read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = millis(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = millis(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = int(errors.group(1)) if errors else 0
    print(f"wrk\t{target}\t{scenario}\t{rps:.0f}\t{p50:.2f}\t{p99:.2f}\t{peak_rss_mb(pid):.1f}\t{errors}")


def pgbench(scenario, path):
    out = open(path).read()
    tps = float(re.search(r"tps = ([\d.]+)", out).group(1))
    latency = float(re.search(r"latency average = ([\d.]+) ms", out).group(1))
    print(f"pgbench\t{scenario}\t{tps:.0f}\t{latency:.2f}")


def table(path, connections, duration):
    wrk_rows, pg, startup = {}, {}, {}
    for line in open(path):
        fields = line.rstrip("\n").split("\t")
        if fields[0] == "wrk":
            wrk_rows[(fields[1], fields[2])] = fields[3:]
        elif fields[0] == "pgbench":
            pg[fields[1]] = fields[2:]
        elif fields[0] == "startup":
            startup[fields[1]] = float(fields[2])
    names = {"create": "POST /client-tokens", "get": "GET /client-tokens/{id}",
             "list": "GET /client-tokens?per_page=50", "revoke": "PATCH revoke"}
    print(f"\n{connections} connections, {duration} s per run after a warm-up; ratios are paddock / ceiling, same run.\n")
    print("| request | server | req/s | p50 ms | p99 ms | peak RSS MB | non-2xx | ceiling req/s | ratio |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    checks = []
    peak = {}
    for (target, _), row in wrk_rows.items():
        peak[target] = max(peak.get(target, 0.0), float(row[3]))
    for target in ("sqlite", "postgres"):
        if target in peak:
            checks.append((f"peak RSS on {target} < 40 MB", peak[target] < 40, f"{peak[target]:.1f} MB"))
    for scenario, name in names.items():
        axum = wrk_rows.get(("axum", scenario))
        ceiling = float(axum[0]) if axum else None
        for target in ("axum", "sqlite", "postgres"):
            if (target, scenario) not in wrk_rows:
                continue
            rps, p50, p99, rss, errors = wrk_rows[(target, scenario)]
            ratio = float(rps) / ceiling if ceiling else None
            shown = f"{ceiling:.0f} (axum) | {ratio:.0%}" if ceiling else "not run | "
            print(f"| {name} | {target} | {rps} | {p50} | {p99} | {rss} | {errors} | {shown} |")
            if target == "axum":
                continue
            if scenario in ("get", "create"):
                checks.append((f"p99 of {names[scenario]} on {target} < 10 ms", float(p99) < 10, f"{p99} ms"))
            if ratio is None:
                continue
            if scenario == "get":
                checks.append((f"GET by id on {target} >= 60% of bare axum", ratio >= 0.6, f"{ratio:.0%}"))
            if scenario == "list":
                checks.append((f"list of 50 on {target} >= 30% of bare axum", ratio >= 0.3, f"{ratio:.0%}"))
    for scenario, (tps, latency) in pg.items():
        print(f"| pgbench {scenario} | postgres | {tps} | avg {latency} | | | | | |")
    print()
    for scenario, pg_scenario, label in (("create", "insert", "POST on Postgres / pgbench INSERT"),
                                         ("get", "select", "GET on Postgres / pgbench SELECT")):
        if ("postgres", scenario) in wrk_rows and pg_scenario in pg:
            ratio = float(wrk_rows[("postgres", scenario)][0]) / float(pg[pg_scenario][0])
            print(f"{label}: {ratio:.0%}")
            if scenario == "create":
                checks.append(("POST on Postgres >= 70% of pgbench INSERT", ratio >= 0.7, f"{ratio:.0%}"))
    for target, ms in startup.items():
        print(f"start to first served request on {target}: {ms:.0f} ms")
    if "sqlite" in startup:
        checks.append(("start to first request on SQLite < 200 ms", startup["sqlite"] < 200, f"{startup['sqlite']:.0f} ms"))
    print("\n| target | met | measured |\n|---|---|---|")
    seen = set()
    for name, met, measured in checks:
        if name not in seen:
            seen.add(name)
            print(f"| {name} | {'yes' if met else 'NO'} | {measured} |")


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    globals()[command](*args)
