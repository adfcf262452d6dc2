"""Built-in NLU engine vs Rasa 3.6 (DIET), trained on the same data, scored on the same test set.

    .venv/bin/python bench/nlu_vs_rasa.py                 # train both, serve Rasa, score, stop
    .venv/bin/python bench/nlu_vs_rasa.py --skip-train    # reuse both trained models
    .venv/bin/python bench/nlu_vs_rasa.py --rasa-url http://127.0.0.1:5005   # a running server

Both engines train on ``nlu/data/nlu.yml`` and are scored on ``nlu/data/test.yml`` by the same
``nlu.evaluate.evaluate``. Rasa needs ``scripts/rasa.sh setup`` first (a Python 3.10 venv).
Train time is the wall time of each engine's own training from scratch: a fresh ``Engine``
with an empty model cache, and ``scripts/rasa.sh train`` (process start and TensorFlow import
included).

Columns:
  built-in            ``nlu.parse`` with ``RASA_URL`` unset.
  Rasa DIET           the Rasa server's raw ``/model/parse``: no Linli normaliser, extractors or
                      safety net, so the two classifiers are compared as they are.
  Rasa + safety net   ``nlu.parse`` with ``RASA_URL`` set: Rasa's intent with Linli's entities
                      and emergency safety net, i.e. what production runs with RASA_URL.

Latency is per message as the caller sees it: an in-process call for the built-in engine, a
loopback HTTP round trip for Rasa. Memory: for the built-in engine the RSS growth of a fresh
process after importing, loading and parsing every test message; for Rasa the RSS of the
server process (and any children) after the run. The script prints figures, not verdicts.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
RASA_SH = ROOT / "scripts" / "rasa.sh"
DEFAULT_NLU = ROOT / "nlu" / "data" / "nlu.yml"
DEFAULT_TEST = ROOT / "nlu" / "data" / "test.yml"

# nlu is imported lazily, inside functions: measure_builtin_rss's child process must take its
# RSS baseline before anything of the engine is loaded.
sys.path.insert(0, str(ROOT))


# --- memory ----------------------------------------------------------------------------------


def rss_kb(pid: int | str = "self") -> int:
    """Resident set size in kB from /proc/<pid>/status (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def tree_rss_kb(pid: int) -> int:
    """RSS of a process plus its descendants (a server may fork workers)."""
    total = rss_kb(pid)
    for children in Path(f"/proc/{pid}/task").glob("*/children"):
        for child in children.read_text().split():
            total += tree_rss_kb(int(child))
    return total


def measure_builtin_rss(test_path: Path) -> dict:
    """Run in a fresh interpreter: RSS before and after the built-in engine is loaded and warm."""
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]);"
        "from bench.nlu_vs_rasa import rss_kb; before = rss_kb();"
        "import nlu, nlu.evaluate;"
        "[nlu.parse(e.text) for e in nlu.evaluate.load_examples(sys.argv[2])];"
        "print(json.dumps({'before_kb': before, 'after_kb': rss_kb()}))"
    )
    env = {k: v for k, v in os.environ.items() if k != "RASA_URL"}
    out = subprocess.run(
        [sys.executable, "-c", code, str(ROOT), str(test_path)],
        env=env, check=True, capture_output=True, text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- training --------------------------------------------------------------------------------


def train_builtin(cache_dir: Path | None):
    """The built-in engine, trained from scratch when ``cache_dir`` is given; (engine, seconds).

    An empty ``LINLI_NLU_CACHE_DIR`` forces ``Engine`` to train; without one it loads the model
    cached for the current data and code (and trains only if there is none).
    """
    if cache_dir is not None:
        os.environ["LINLI_NLU_CACHE_DIR"] = str(cache_dir)
    from nlu.engine import Engine

    started = time.perf_counter()
    engine = Engine(DEFAULT_NLU)
    return engine, (time.perf_counter() - started if cache_dir is not None else None)


# Rasa logs this once it has parsed nlu.yml and loaded the jieba dictionary folder.
_RASA_READ_DATA = "Finished training component 'JiebaTokenizer'"


def train_rasa(test_path: Path) -> tuple[float, dict[str, str] | None]:
    """Train Rasa through scripts/rasa.sh (its own venv, same nlu.yml).

    Returns the seconds taken and the data fingerprint taken the moment Rasa had read its data,
    so the caller can tell whether both engines learned from the same files.
    """
    started = time.perf_counter()
    fingerprint = None
    proc = subprocess.Popen(
        [str(RASA_SH), "train"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    for line in proc.stdout:
        sys.stdout.write(line)
        if fingerprint is None and _RASA_READ_DATA in line:
            fingerprint = data_fingerprint(test_path)
    if proc.wait() != 0:
        raise subprocess.CalledProcessError(proc.returncode, proc.args)
    return time.perf_counter() - started, fingerprint


# --- the Rasa server -------------------------------------------------------------------------


class RasaServer:
    """``scripts/rasa.sh serve`` as a child process; a context manager that always stops it."""

    def __init__(self, port: int, log_path: Path, ready_timeout: float = 300.0):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = log_path
        self.ready_timeout = ready_timeout
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> "RasaServer":
        import requests

        # Another server on the port would answer /status while ours is still loading, and the
        # bench would score (and weigh) the wrong process.
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                raise RuntimeError(f"port {self.port} is in use: stop that server, or pass --rasa-url/--port")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("wb")
        # `serve` execs rasa, so proc.pid is the server's own pid: that is the RSS we read.
        self.proc = subprocess.Popen(
            [str(RASA_SH), "serve"], env={**os.environ, "RASA_PORT": str(self.port)},
            stdout=log, stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + self.ready_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Rasa server exited with {self.proc.returncode}; see {self.log_path}")
            try:
                if "model_file" in requests.get(self.url + "/status", timeout=2).json():
                    return self
            except (requests.RequestException, ValueError):
                pass
            time.sleep(1)
        self.stop()
        raise RuntimeError(f"Rasa server not ready after {self.ready_timeout:.0f}s; see {self.log_path}")

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def raw_rasa_parse(url: str) -> Callable[[str], dict]:
    """parse_fn for the raw Rasa column; fails loudly so a dead server cannot score as wrong answers."""
    from nlu.rasa_client import remote_parse

    def parse(text: str) -> dict:
        result = remote_parse(text, url, timeout=30)
        if result is None:
            raise RuntimeError(f"Rasa server at {url} did not answer for {text!r}")
        return result

    return parse


def builtin_parse(engine) -> Callable[[str], dict]:
    """parse_fn for the built-in column: Linli's pipeline, never asking Rasa."""
    from nlu.pipeline import parse

    engine.prepare.cache_clear()  # time the normaliser and extractors too, not the per-text cache
    return lambda text: parse(text, engine=engine, use_remote=False)


def builtin_parse_with_rasa(engine, url: str, fallbacks: list[str]) -> Callable[[str], dict]:
    """parse_fn for ``nlu.parse`` with RASA_URL set, i.e. production with Rasa.

    A generous RASA_TIMEOUT keeps a slow answer from silently turning into the built-in
    engine's; any message that still fell back is appended to ``fallbacks`` and reported.
    """
    from nlu.pipeline import parse

    os.environ["RASA_URL"], os.environ["RASA_TIMEOUT"] = url, "30"
    engine.prepare.cache_clear()  # the built-in column parsed the same texts

    def run(text: str) -> dict:
        result = parse(text, engine=engine)
        if result.get("backend") != "rasa" and result["normalised_text"].strip():
            fallbacks.append(text)
        return result

    return run


def data_fingerprint(test_path: Path) -> dict[str, str]:
    """Short sha256 of every file either engine reads, to name the data version in the output.

    Other people edit nlu.yml while a 20-minute Rasa training runs; a change mid-run would
    mean the two engines learned from different files.
    """
    files = [DEFAULT_NLU, test_path, *sorted((ROOT / "nlu" / "data" / "dict").glob("*"))]
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest()[:12] for f in files}


# --- scoring and the table -------------------------------------------------------------------


# Parsed before timing starts: TensorFlow traces DIET's graph on the first calls, for several
# input lengths. Not test messages: the built-in engine caches per text, which would flatter it.
WARM_UP = (
    "在吗", "好的", "不用了谢谢", "七号楼的路灯不亮了", "请问明天停水吗", "我想报名参加周末的义务劳动",
    "楼上每天晚上十二点还在装修 吵得睡不着 你们管不管", "上周报修的下水道到现在还没人来处理",
    "我母亲八十多了腿脚不方便 想请人帮忙去药店买点降压药 不着急 今天之内就行 谢谢你们了",
)


def score(name: str, parse_fn: Callable[[str], dict], examples: list, details: bool) -> dict:
    """Warm up, then evaluate with nlu.evaluate (which adds its own short warm-up)."""
    from nlu import evaluate

    for text in WARM_UP:
        parse_fn(text)
    report = evaluate.evaluate(parse_fn, examples)
    if details:
        print(f"\n## {name}\n{evaluate.format_report(report, errors=20)}", flush=True)
    return report


ROWS = [  # (label, report key, format)
    ("examples", "n", "{:.0f}"),
    ("accuracy", "accuracy", "{:.1%}"),
    ("macro-F1", "macro_f1", "{:.3f}"),
    ("emergency recall", "emergency_recall", "{:.1%}"),
    ("false-alarm rate", "false_alarm_rate", "{:.1%}"),
    ("building/unit/room exact-match", "entity_exact_match", "{:.1%}"),
    ("latency p50 (ms)", "latency_p50_ms", "{:.2f}"),
    ("latency p99 (ms)", "latency_p99_ms", "{:.2f}"),
    ("memory (MB)", "memory_mb", "{:.0f}"),
    ("train time, wall (s)", "train_s", "{:.1f}"),
]
RATIO_KEYS = {"latency_p50_ms", "latency_p99_ms", "memory_mb"}


def format_table(columns: dict[str, dict]) -> str:
    """Markdown table, one column per engine, plus Rasa DIET / built-in for latency and memory."""
    names = list(columns)
    header = ["metric", *names, "Rasa DIET / built-in"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for label, key, fmt in ROWS:
        cells = [fmt.format(columns[n][key]) if columns[n].get(key) is not None else "—" for n in names]
        base, rasa = columns["built-in"].get(key), columns["Rasa DIET"].get(key)
        ratio = f"{rasa / base:.1f}×" if key in RATIO_KEYS and base and rasa is not None else ""
        lines.append("| " + " | ".join([label, *cells, ratio]) + " |")
    return "\n".join(lines)


# --- main ------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--test", type=Path, default=DEFAULT_TEST, help="held-out test set")
    p.add_argument("--skip-train", action="store_true", help="reuse the trained models")
    p.add_argument("--rasa-url", help="score a Rasa server that is already running (no Rasa training)")
    p.add_argument("--rasa-pid", type=int, help="pid of that server, to read its RSS")
    p.add_argument("--port", type=int, default=5005, help="port for the server this script starts")
    p.add_argument("--no-safety-net", action="store_true", help="skip the 'Rasa + safety net' column")
    p.add_argument("--details", action="store_true", help="also print nlu.evaluate's full report per engine")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # SIGTERM unwinds like Ctrl-C, so the RasaServer context manager still stops the server.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    os.environ.pop("RASA_URL", None)  # the built-in column must not reach Rasa
    train_s: dict[str, float | None] = {"built-in": None, "Rasa DIET": None}

    with tempfile.TemporaryDirectory(prefix="linli-nlu-bench-") as tmp:
        from nlu import evaluate

        data_before = data_fingerprint(args.test)
        examples = evaluate.load_examples(args.test)
        print("loading" if args.skip_train else "training", "the built-in engine ...", flush=True)
        engine, train_s["built-in"] = train_builtin(None if args.skip_train else Path(tmp))
        # Right after training: the child inherits LINLI_NLU_CACHE_DIR and must find the model
        # trained above under the same cache key, which hashes the data and the engine's code.
        rss = measure_builtin_rss(args.test)
        if not (args.skip_train or args.rasa_url):
            print("training Rasa (scripts/rasa.sh train) ...", flush=True)
            train_s["Rasa DIET"], rasa_read = train_rasa(args.test)
            if rasa_read is not None and rasa_read != data_before:
                raise SystemExit("the data changed between the built-in and the Rasa training: run again")
        print(f"{len(examples)} test examples from {args.test}", flush=True)

        columns: dict[str, dict] = {}
        columns["built-in"] = score("built-in", builtin_parse(engine), examples, args.details)
        columns["built-in"]["memory_mb"] = (rss["after_kb"] - rss["before_kb"]) / 1024
        fallbacks: list[str] = []

        def score_rasa(url: str, pid: int | None) -> None:
            columns["Rasa DIET"] = score("Rasa DIET", raw_rasa_parse(url), examples, args.details)
            columns["Rasa DIET"]["memory_mb"] = tree_rss_kb(pid) / 1024 if pid else None
            if not args.no_safety_net:
                with_net = builtin_parse_with_rasa(engine, url, fallbacks)
                columns["Rasa + safety net"] = score("Rasa + safety net", with_net, examples, args.details)

        if args.rasa_url:
            score_rasa(args.rasa_url, args.rasa_pid)
        else:
            print("starting the Rasa server ...", flush=True)
            with RasaServer(args.port, ROOT / "nlu" / "rasa" / "models" / "bench-server.log") as server:
                score_rasa(server.url, server.proc.pid)

    for name, seconds in train_s.items():
        columns[name]["train_s"] = seconds
    print()
    print(format_table(columns))
    print(
        f"\nmemory: built-in = RSS growth of a fresh process after loading and parsing the test set "
        f"({rss['before_kb'] / 1024:.0f} -> {rss['after_kb'] / 1024:.0f} MB); "
        "Rasa = RSS of the server process after the run.\n"
        "latency: built-in in-process; Rasa over loopback HTTP (the 'Rasa + safety net' column adds "
        "Linli's normaliser and extractors to the round trip).\n"
        f"machine: {os.cpu_count()} CPU cores, shared; load average at the end "
        f"{os.getloadavg()[0]:.1f}."
    )
    if "Rasa + safety net" in columns:
        print(f"'Rasa + safety net' messages that fell back to the built-in classifier: {len(fallbacks)}")
    print("data (sha256): " + ", ".join(f"{name} {digest}" for name, digest in data_before.items()))
    if data_fingerprint(args.test) != data_before:
        # Both engines had read their data already (checked above); only say the files moved on.
        print("note: the data files changed after both engines had read them; the figures are for the "
              "versions named above.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
