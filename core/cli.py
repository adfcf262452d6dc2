"""The ``linli`` command.

``linli up`` runs the whole system on one machine: the embedded Redis (unless
``REDIS_URL``), a Celery worker, Celery beat and the web server (gunicorn), restarting
any child that dies. In production each of those runs on its own (``linli web``,
``linli worker``, ``linli beat``) against the real services.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from .config import load_config
from .services import Services, set_current


def _services() -> Services:
    services = Services(load_config())
    set_current(services)
    return services


def _celery_argv(role: str) -> list[str]:
    base = [sys.executable, "-m", "celery", "-A", "tasks.worker"]
    if role == "worker":
        return base + ["worker", "--loglevel=INFO", "--concurrency=2", "-n", f"linli@{os.uname().nodename}"]
    schedule = load_config().data_path / "celerybeat-schedule"
    return base + ["beat", "--loglevel=INFO", "--schedule", str(schedule)]


def _web_argv(host: str, port: int, workers: int) -> list[str]:
    return [sys.executable, "-m", "gunicorn", "--config", "python:core.gunicorn_conf", "--workers", str(workers),
            "--threads", "4", "--bind", f"{host}:{port}", "--access-logfile", "-", "wsgi:app"]


def cmd_up(args) -> int:
    config = load_config()
    config.data_path.mkdir(parents=True, exist_ok=True)
    services = _services()
    print(f"linli: data in {config.data_path}; store={services.store.backend}; redis={services.redis_url}", flush=True)
    children = {"worker": _celery_argv("worker"), "scheduler": _celery_argv("beat"),
                "web": _web_argv(args.host, args.port, args.workers)}
    processes: dict[str, subprocess.Popen] = {}
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    cwd = Path(__file__).resolve().parent.parent
    print(f"linli: starting on http://{args.host}:{args.port} (Ctrl-C to stop)", flush=True)
    try:
        while not stopping:
            for name, argv in children.items():
                process = processes.get(name)
                if process is None or process.poll() is not None:
                    if process is not None:
                        print(f"linli: {name} exited with {process.returncode}; restarting", flush=True)
                    processes[name] = subprocess.Popen(argv, cwd=cwd, env=os.environ.copy())
            time.sleep(1)
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.terminate()
        for process in processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
    return 0


def cmd_web(args) -> int:
    os.execv(sys.executable, _web_argv(args.host, args.port, args.workers))


def cmd_worker(args) -> int:
    os.execv(sys.executable, _celery_argv("worker"))


def cmd_beat(args) -> int:
    os.execv(sys.executable, _celery_argv("beat"))


def cmd_dev_token(args) -> int:
    from .auth import issue_token

    services = _services()
    if services.config.is_production:
        print("linli dev-token is refused in production", file=sys.stderr)
        return 2
    person = _find_person(services, args.who)
    if person is None:
        print(f"no person with openid, WeCom userid or id {args.who!r}", file=sys.stderr)
        return 1
    print(issue_token(services, person["_id"], via="dev-token")["token"])
    return 0


def _find_person(services, who: str) -> dict | None:
    people = services.store.collection("people")
    for field in ("openid", "wecom_userid"):
        found = people.find({field: who}, limit=1).items
        if found:
            return found[0]
    return people.get(who)


def cmd_seed_demo(args) -> int:
    from .directory.demo import seed

    print(json.dumps(seed(_services()), ensure_ascii=False))
    return 0


def cmd_chat(args) -> int:
    from bot.channels.terminal import chat

    return chat(_services(), args.as_openid)


def cmd_diagrams(args) -> int:
    from workflows.registry import all_workflows

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for workflow in all_workflows():
        path = out / f"{workflow.name}.md"
        path.write_text(f"# {workflow.name} workflow\n\n```mermaid\n{workflow.mermaid()}```\n", encoding="utf-8")
        print(path)
    return 0


def cmd_nlu_eval(args) -> int:
    from nlu.evaluate import main as evaluate

    return evaluate([args.file] if args.file else [])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="linli", description="Linli (邻里) community backend")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, func, help_text in [("up", cmd_up, "run web + worker + scheduler on this machine"),
                                  ("web", cmd_web, "run the web server (gunicorn)")]:
        p = sub.add_parser(name, help=help_text)
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, default=5000)
        p.add_argument("--workers", type=int, default=2)
        p.set_defaults(func=func)
    sub.add_parser("worker", help="run a Celery worker").set_defaults(func=cmd_worker)
    sub.add_parser("beat", help="run the Celery scheduler").set_defaults(func=cmd_beat)
    p = sub.add_parser("dev-token", help="mint a bearer token (development only)")
    p.add_argument("who", help="openid, WeCom userid or person id")
    p.set_defaults(func=cmd_dev_token)
    sub.add_parser("seed-demo", help="load the demo community and print its ids as JSON").set_defaults(
        func=cmd_seed_demo)
    p = sub.add_parser("chat", help="talk to the bot in this terminal, through the same pipeline as WeChat")
    p.add_argument("--as", dest="as_openid", metavar="OPENID",
                   help="the resident's openid (default: the demo resident of `linli seed-demo`)")
    p.set_defaults(func=cmd_chat)
    p = sub.add_parser("diagrams", help="write the workflow diagrams")
    p.add_argument("--out", default="docs/workflows")
    p.set_defaults(func=cmd_diagrams)
    p = sub.add_parser("nlu-eval", help="evaluate the NLU on a held-out Rasa YAML file")
    p.add_argument("file", nargs="?")
    p.set_defaults(func=cmd_nlu_eval)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args) or 0


if __name__ == "__main__":
    sys.exit(main())
