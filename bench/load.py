"""Load generator: a separate process that sends requests over keep-alive HTTP/1.1 connections.

Plain asyncio sockets, no HTTP library: a few microseconds per request of client overhead, so the
server is what gets measured. Bounded by a request count and a time limit, whichever comes first.
Prints one JSON line: requests, errors, seconds, rps, p50/p90/p99 latency in ms, client CPU seconds.

    python bench/load.py --url http://127.0.0.1:8000/api/v1/ping --token T --connections 16 --requests 5000

POST: `--body '{"client_id": "{uuid}", …}'` sends that JSON with `{uuid}` replaced by a fresh UUID each
time (a new record per request, as phones send). Several `--url`s are shared out over the connections
(connection i uses url i mod n): e.g. one open run per connection, as one phone works one run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import time
import uuid
from urllib.parse import urlparse


async def worker(host: str, port: int, request, deadline: float, budget: list[int], latencies: list[float],
                 errors: list[str]) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while budget[0] > 0 and time.perf_counter() < deadline:
            budget[0] -= 1
            started = time.perf_counter()
            writer.write(request() if callable(request) else request)
            await writer.drain()
            status_line = await reader.readline()
            length, close = 0, False
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value.strip())
                elif name == b"connection" and value.strip().lower() == b"close":
                    close = True
            if length:
                await reader.readexactly(length)
            latencies.append(time.perf_counter() - started)
            status = status_line.split(b" ", 2)[1] if status_line else b"---"
            if status not in (b"200", b"201"):
                errors.append(status.decode())
            if close:
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
    finally:
        writer.close()


def build_request(url: str, token: str, body: str | None):
    parsed = urlparse(url)
    path = parsed.path + (f"?{parsed.query}" if parsed.query else "")
    method = "POST" if body is not None else "GET"
    headers = [f"{method} {path} HTTP/1.1", f"Host: {parsed.hostname}:{parsed.port}", "Accept: application/json"]
    if token:
        headers.append(f"Authorization: Bearer {token}")
    if body is None:
        return ("\r\n".join(headers) + "\r\n\r\n").encode()
    head = "\r\n".join([*headers, "Content-Type: application/json"])

    def fresh() -> bytes:
        payload = body.replace("{uuid}", str(uuid.uuid4())).encode()
        return f"{head}\r\nContent-Length: {len(payload)}\r\n\r\n".encode() + payload

    return fresh


async def run(urls: list[str], token: str, connections: int, requests: int, seconds: float,
              body: str | None = None) -> dict:
    targets = [(urlparse(url), build_request(url, token, body)) for url in urls]
    budget, latencies, errors = [requests], [], []
    started = time.perf_counter()
    deadline = started + seconds
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    await asyncio.gather(*(worker(targets[i % len(targets)][0].hostname, targets[i % len(targets)][0].port,
                                  targets[i % len(targets)][1], deadline, budget, latencies, errors)
                           for i in range(connections)))
    elapsed = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    latencies.sort()

    def pct(p: float) -> float:
        return round(latencies[min(int(len(latencies) * p), len(latencies) - 1)] * 1000, 2) if latencies else 0.0

    return {
        "requests": len(latencies), "errors": len(errors), "error_statuses": sorted(set(errors))[:5],
        "seconds": round(elapsed, 3), "rps": round(len(latencies) / elapsed, 1) if elapsed else 0.0,
        "p50_ms": pct(0.50), "p90_ms": pct(0.90), "p99_ms": pct(0.99),
        "client_cpu_s": round((cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, action="append", help="repeat to share urls over connections")
    parser.add_argument("--body", default=None, help="POST this JSON ({uuid} → a fresh UUID per request)")
    parser.add_argument("--token", default="")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.url, args.token, args.connections, args.requests, args.seconds,
                                     args.body))))


if __name__ == "__main__":
    main()
