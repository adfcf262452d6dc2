"""API benchmark: create a repair and list a technician's queue, at 10k and 100k tickets.

    .venv/bin/python -m bench.api [--sizes 10000,100000] [--requests 1000] [--concurrency 8]

For each size it builds a fresh embedded deployment (SQLite + Redis), loads the demo
community, files that many repairs through the real service (merges and dispatch
included), serves the app with gunicorn, and drives it over real HTTP. Every endpoint is
measured against a bare Flask endpoint in the same server in the same run; the last table
shows how each cost grows from the smallest to the largest size. Figures, not verdicts.
"""
from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.load import Result, run, table, wait_until_up

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
CATEGORIES = ["window_door", "lighting", "drain", "water_pipe", "intercom", "heating"]


def build_deployment(data_dir: str, tickets: int) -> dict:
    """Seed the demo community and ``tickets`` repairs; return tokens for the load."""
    from core.auth import issue_token
    from core.config import load_config
    from core.directory.demo import seed
    from core.roles import Actor
    from core.services import Services, set_current
    from workflows.repair import SERVICE

    services = Services(load_config({"data_dir": data_dir}))
    set_current(services)
    ids = seed(services)
    store = services.store
    residents = store.collection("people").find({"community_id": ids["community_id"], "kind": "resident"},
                                                limit=1000).items
    reporters = []
    for person in residents:
        binding = store.collection("bindings").find({"person_id": person["_id"], "state": "approved"}, limit=1).items
        if binding:
            reporters.append((Actor.from_person(person), binding[0]["house_id"]))
    rng = random.Random(7)
    started = time.perf_counter()
    for chunk in range(0, tickets, 1000):
        with store.transaction():
            for i in range(chunk, min(chunk + 1000, tickets)):
                actor, house = reporters[i % len(reporters)]
                SERVICE.create(services, actor, {"category": rng.choice(CATEGORIES),
                                                 "location": {"kind": "home", "house_id": house},
                                                 "description": f"第{i}号报修：家里的设施出了问题，麻烦师傅来看看"})
    seeded = time.perf_counter() - started
    technician = store.collection("people").find({"wecom_userid": ids["technician_userid"]}, limit=1).items[0]
    resident, house = reporters[0]
    return {"resident_token": issue_token(services, resident.id)["token"], "resident_house": house,
            "technician_token": issue_token(services, technician["_id"])["token"],
            "seed_seconds": seeded, "redis_url": services.redis_url}


def serve(data_dir: str, port: int, redis_url: str) -> subprocess.Popen:
    env = {**os.environ, "LINLI_DATA_DIR": data_dir, "REDIS_URL": redis_url}
    return subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "4", "--bind",
                             f"{HOST}:{port}", "--log-level", "warning", "bench.server:app"],
                            cwd=ROOT, env=env)


def measure(size: int, requests: int, concurrency: int, port: int) -> list[Result]:
    data_dir = tempfile.mkdtemp(prefix=f"linli-bench-{size}-")
    setup = build_deployment(data_dir, size)
    print(f"  seeded {size} repairs in {setup['seed_seconds']:.1f} s "
          f"({size / setup['seed_seconds']:.0f} creates/s through the service)", flush=True)
    server = serve(data_dir, port, setup["redis_url"])
    try:
        wait_until_up(HOST, port, "/bench/bare")
        resident = {"Authorization": f"Bearer {setup['resident_token']}"}
        technician = {"Authorization": f"Bearer {setup['technician_token']}"}
        body = {"category": "lighting", "location": {"kind": "home", "house_id": setup["resident_house"]},
                "description": "客厅的灯一直闪"}
        # warm every path once so imports and caches are not measured
        for path, headers in (("/bench/bare", {}), ("/api/v1/repairs?scope=mine", technician)):
            run("warm", HOST, port, lambda i, p=path, h=headers: ("GET", p, None, h), 20, 2)
        return [
            run("bare GET (baseline)", HOST, port, lambda i: ("GET", "/bench/bare", None, {}), requests, concurrency),
            run("POST /repairs", HOST, port, lambda i: ("POST", "/api/v1/repairs", body, resident), requests,
                concurrency),
            run("GET technician queue", HOST, port,
                lambda i: ("GET", "/api/v1/repairs?scope=mine&limit=20", None, technician), requests, concurrency),
        ]
    finally:
        server.terminate()
        server.wait(timeout=30)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--port", type=int, default=5097)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    results: dict[int, list[Result]] = {}
    for size in sizes:
        print(f"size {size}:", flush=True)
        results[size] = measure(size, args.requests, args.concurrency, args.port)
        rows = [["endpoint", "req/s", "p50 ms", "p99 ms", "errors", "p50 / bare p50", "bare req/s / req/s"]]
        bare = results[size][0]
        for r in results[size]:
            rows.append([r.name, f"{r.rps:.0f}", f"{r.p50:.2f}", f"{r.p99:.2f}", str(r.errors),
                         f"{r.p50 / bare.p50:.2f}", f"{bare.rps / r.rps:.2f}"])
        print(table(rows), flush=True)
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        print(f"\ngrowth from {small} to {large} tickets ({large / small:.0f}x the data):")
        rows = [["endpoint", "p50 ratio", "p99 ratio", "req/s ratio"]]
        for a, b in zip(results[small], results[large]):
            rows.append([a.name, f"{b.p50 / a.p50:.2f}", f"{b.p99 / a.p99:.2f}", f"{b.rps / a.rps:.2f}"])
        print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
