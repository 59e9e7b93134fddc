#!/usr/bin/env python3
"""Memory drill (issue 13): floods a release build of paddock with 5,000
keep-alive connections, then with 500 slow bodies (1 byte a second), and
checks that normal requests are answered throughout and that its resident
memory (VmRSS) falls back under 40 MB within 30 s of the clients leaving.

    python3 tests/drills/memory.py   # builds target/release/paddock first

Standard library only; Linux only (reads /proc). Prints what it measured.
"""

import asyncio
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.path.join(ROOT, "target", "release", "paddock")
KEY = "pdl_sdbx_apikey_01hv8gz6y0m8m5f8q2y9f7kj3x_memoryDrill1"
KEEP_ALIVE = 5000
SLOW_BODIES = 500
SLOW_SECONDS = 8
RSS_LIMIT_KB = 40 * 1024
RETURN_WITHIN = 30.0
PROBE_LIMIT = 2.0

REQUEST = (
    "GET /client-tokens HTTP/1.1\r\nHost: drill\r\n"
    f"Authorization: Bearer {KEY}\r\n\r\n"
).encode()


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def read_response(reader):
    """Reads one response; returns its status code."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    await reader.readexactly(length)
    return status


class Probe:
    """Normal requests on fresh connections, twice a second, all along."""

    def __init__(self, port):
        self.port, self.worst, self.count, self.failures = port, 0.0, 0, []

    async def run(self, stop):
        while not stop.is_set():
            started = time.monotonic()
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", self.port), PROBE_LIMIT
                )
                writer.write(REQUEST)
                status = await asyncio.wait_for(read_response(reader), PROBE_LIMIT)
                writer.close()
                if status != 200:
                    self.failures.append(f"status {status}")
            except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError) as error:
                self.failures.append(repr(error))
            self.worst = max(self.worst, time.monotonic() - started)
            self.count += 1
            await asyncio.sleep(0.5)


async def keep_alive_flood(port):
    """Opens the connections, one request each, and holds them open."""
    opening = asyncio.Semaphore(200)
    writers = []

    async def one():
        async with opening:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(REQUEST)
            status = await read_response(reader)
            assert status == 200, status
            writers.append(writer)

    await asyncio.gather(*(one() for _ in range(KEEP_ALIVE)))
    return writers


async def slow_bodies(port):
    """Sends bodies a byte a second for SLOW_SECONDS, then hangs up."""
    body_length = 1000
    head = (
        "POST /client-tokens HTTP/1.1\r\nHost: drill\r\n"
        f"Authorization: Bearer {KEY}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {body_length}\r\n\r\n"
    ).encode()
    opening = asyncio.Semaphore(100)

    async def one():
        async with opening:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(head)
            await writer.drain()
        return writer

    writers = await asyncio.gather(*(one() for _ in range(SLOW_BODIES)))
    for _ in range(SLOW_SECONDS):
        for writer in writers:
            writer.write(b" ")
        await asyncio.sleep(1)
    return list(writers)


async def wait_for_return(pid, label):
    left_at = time.monotonic()
    peak = rss_kb(pid)
    while True:
        rss = rss_kb(pid)
        waited = time.monotonic() - left_at
        if rss < RSS_LIMIT_KB:
            print(f"{label}: RSS {rss // 1024} MB {waited:.1f} s after the clients left")
            return
        if waited > RETURN_WITHIN:
            sys.exit(
                f"FAIL {label}: RSS still {rss // 1024} MB (was {peak // 1024} MB) "
                f"{RETURN_WITHIN:.0f} s after the clients left"
            )
        await asyncio.sleep(0.5)


async def drill(pid, port):
    print(f"start: RSS {rss_kb(pid) // 1024} MB")
    stop = asyncio.Event()
    probe = Probe(port)
    probing = asyncio.create_task(probe.run(stop))

    for round in (1, 2):
        writers = await keep_alive_flood(port)
        print(f"{KEEP_ALIVE} keep-alive connections (round {round}): RSS {rss_kb(pid) // 1024} MB")
        for writer in writers:
            writer.close()
        await wait_for_return(pid, f"keep-alive round {round}")

        writers = await slow_bodies(port)
        print(f"{SLOW_BODIES} slow bodies (round {round}): RSS {rss_kb(pid) // 1024} MB")
        for writer in writers:
            writer.close()
        await wait_for_return(pid, f"slow bodies round {round}")

    stop.set()
    await probing
    print(f"probes: {probe.count}, slowest {probe.worst:.2f} s")
    if probe.failures or probe.worst > PROBE_LIMIT:
        sys.exit(f"FAIL: normal requests not answered promptly: {probe.failures[:5]}")


def main():
    subprocess.run(["cargo", "build", "--release", "--locked", "--quiet"], cwd=ROOT, check=True)
    # Both ends of every connection are in this machine: 2 descriptors each.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 2 * (KEEP_ALIVE + SLOW_BODIES) + 1000
    if hard != resource.RLIM_INFINITY and hard < wanted:
        sys.exit(f"the open-files limit ({hard}) is below the {wanted} this drill needs")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, wanted), hard))

    port = free_port()
    with tempfile.TemporaryDirectory() as data_dir:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PADDOCK_")}
        env.update(
            DATABASE_URL="sqlite::memory:",
            PADDOCK_DATA_DIR=data_dir,
            PADDOCK_SECRET_KEY="00" * 32,
            PADDOCK_API_KEYS=f"{KEY}=client_token.read,client_token.write",
            # The cap above the flood: this drill is about memory, not refusal.
            PADDOCK_MAX_CONNECTIONS=str(KEEP_ALIVE + 1000),
            RUST_LOG="warn",
        )
        server = subprocess.Popen(
            [BINARY, "--listen", f"127.0.0.1:{port}"], env=env, stdout=subprocess.DEVNULL
        )
        try:
            # Ready, not just listening: until its database is ready, paddock
            # answers every request but /healthz with 503.
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1):
                        break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        sys.exit("FAIL: paddock did not become ready")
                    time.sleep(0.05)
            asyncio.run(drill(server.pid, port))
        finally:
            server.terminate()
            server.wait(timeout=20)
    print("memory drill passed")


if __name__ == "__main__":
    main()
