"""A small closed-loop HTTP load generator for the benchmarks (threads + keep-alive).

Each worker thread owns one persistent connection and sends requests back to back; the
figures are requests per second over the whole run and latency percentiles per request.
"""
from __future__ import annotations

import http.client
import json
import statistics
import threading
import time
from dataclasses import dataclass
from typing import Callable


@dataclass
class Result:
    name: str
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        data = sorted(self.latencies_ms)
        if not data:
            return float("nan")
        return data[min(len(data) - 1, int(round(q * (len(data) - 1))))]

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else float("nan")

    @property
    def p99(self) -> float:
        return self.pct(0.99)

    @property
    def max(self) -> float:
        return max(self.latencies_ms) if self.latencies_ms else float("nan")


Request = tuple[str, str, dict | None, dict]   # method, path, json body, headers


def run(name: str, host: str, port: int, make_request: Callable[[int], Request], total: int,
        concurrency: int, expect: tuple[int, ...] = (200, 201)) -> Result:
    """Send ``total`` requests from ``concurrency`` threads; ``make_request(i)`` builds the i-th."""
    counter = iter(range(total))
    lock = threading.Lock()
    latencies: list[float] = []
    errors = [0]

    def worker():
        conn = http.client.HTTPConnection(host, port, timeout=30)
        while True:
            with lock:
                i = next(counter, None)
            if i is None:
                break
            method, path, body, headers = make_request(i)
            payload = json.dumps(body).encode() if body is not None else None
            hdrs = {"Content-Type": "application/json", **headers} if payload else dict(headers)
            started = time.perf_counter()
            try:
                conn.request(method, path, body=payload, headers=hdrs)
                response = conn.getresponse()
                response.read()
                ok = response.status in expect
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=30)
                ok = False
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                if not ok:
                    errors[0] += 1
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Result(name, total, errors[0], time.perf_counter() - started, latencies)


def wait_until_up(host: str, port: int, path: str = "/healthz", timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection(host, port, timeout=2)
            conn.request("GET", path)
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"server on {host}:{port} did not come up")


def table(rows: list[list[str]]) -> str:
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        lines.append("  ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(row)))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
