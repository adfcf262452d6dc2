"""Official-account webhook benchmark: simulated residents chatting with the bot over
``/wechat/oa``, against a bare Flask endpoint served by the same gunicorn in the same run.

    .venv/bin/python -m bench.oa_webhook [--users 20] [--messages 30] [--workers 2] [--threads 4]

A fresh embedded deployment (SQLite + Redis) is seeded with the demo community; 20 of its
bound residents get openids. Each simulated user is one thread with one keep-alive
connection that sends its conversation message after message, the way WeChat forwards a
person's chat: real XML, signed, a third of the users in AES safe mode, a mix of typed
text, voice (with WeChat's recognition), menu clicks and a subscribe event; the real NLU
and dialog answer, repairs and complaints are filed. Every request gets a fresh MsgId.
Late answers (past the 4-second budget) go as customer-service messages to a local fake
WeChat API, which counts them. The rate limit is raised for the run (20 messages a minute
per person would otherwise answer most of the load with one canned sentence).

It prints latency percentiles and messages per second, the same for the bare endpoint, and
the ratios. Figures, not verdicts.
"""
from __future__ import annotations

import argparse
import hashlib
import http.client
import itertools
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.load import Result, run, table, wait_until_up

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
ACCOUNT = "gh_linli_bench"
APOLOGY = "抱歉，我这边出了点问题"      # the pipeline's answer when a turn fails (channels.error)

# what residents say, as they say it: (kind, content) — kinds: text, voice, click (menu key), subscribe
CONVERSATIONS = [
    [("text", "你好"), ("text", "我家厨房水管漏水了"), ("text", "尽快"), ("text", "确认"), ("text", "谢谢")],
    [("click", "MY_CASES"), ("text", "我报的修什么时候来人"), ("text", "好的")],
    [("voice", "嗯那个我家卫生间的灯不亮了"), ("voice", "明天上午"), ("voice", "对"), ("voice", "谢谢你啊")],
    [("text", "楼下有人天天半夜按喇叭太吵了"), ("text", "南门"), ("text", "不用匿名"), ("text", "确认")],
    [("subscribe", ""), ("text", "怎么绑定房子"), ("text", "好的")],
    [("text", "电梯现在能用吗"), ("text", "再见")],
    [("click", "REPAIR"), ("text", "3号楼楼道的灯坏了"), ("text", "尽快"), ("text", "是的")],
    [("text", "今天天气怎么样"), ("text", "哈哈好吧")],
    [("voice", ""), ("text", "没事了")],
    [("text", "我要找人工"), ("text", "算了不用了"), ("text", "取消")],
]


def build_deployment(data_dir: str, users: int) -> dict:
    """Seed the demo community and give ``users`` bound residents an openid each."""
    from core.config import load_config
    from core.directory.demo import seed
    from core.services import Services, set_current

    services = Services(load_config({"data_dir": data_dir}))
    set_current(services)
    ids = seed(services)
    people = services.store.collection("people")
    residents = people.find({"community_id": ids["community_id"], "kind": "resident"}, limit=2000).items
    bindings = services.store.collection("bindings")
    bound = [p for p in residents
             if bindings.find({"person_id": p["_id"], "state": "approved"}, limit=1).items]
    openids = []
    for index, person in enumerate(bound[:users]):
        openid = person.get("openid") or f"o-bench-{index:03d}"
        if not person.get("openid"):
            people.replace({**person, "openid": openid}, person["version"])
        openids.append(openid)
    if len(openids) < users:
        raise SystemExit(f"the demo has only {len(openids)} bound residents; ask for fewer users")
    return {"openids": openids, "redis_url": services.redis_url, "config": services.config,
            "services": services}


def serve(data_dir: str, port: int, redis_url: str, wechat_base: str, workers: int,
          threads: int) -> subprocess.Popen:
    env = {**os.environ, "LINLI_DATA_DIR": data_dir, "REDIS_URL": redis_url,
           "WECHAT_API_BASE_URL": wechat_base, "LINLI_BOT_RATE_LIMIT": "1000000"}
    argv = [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--threads", str(threads),
            "--bind", f"{HOST}:{port}", "--log-level", "warning", "--config", "python:bench.oa_webhook",
            "bench.server:app"]
    return subprocess.Popen(argv, cwd=ROOT, env=env)


def post_worker_init(worker) -> None:
    """gunicorn hook (this module is the server's config file too): load the NLU model in
    each worker before it takes requests, so the figures are steady state, not a cold start
    (``linli web`` does not do this; a fresh worker's first message waits for the model)."""
    import nlu

    nlu.warm_up()


class WeChatServer:
    """Builds what WeChat's servers send: signed query strings and (safe-mode) XML bodies."""

    def __init__(self, config):
        from wechatpy.crypto import WeChatCrypto

        self.token = config.wechat_token
        self.crypto = WeChatCrypto(config.wechat_token, config.wechat_encoding_aes_key, config.wechat_appid)
        self.msg_ids = itertools.count(int(time.time()) * 1000)
        self.created: dict[str, int] = {}
        self.lock = threading.Lock()

    def request(self, openid: str, kind: str, content: str, safe: bool) -> tuple[str, bytes]:
        now = int(time.time())
        with self.lock:
            msg_id = next(self.msg_ids)
            # events are deduplicated by sender + CreateTime (seconds): a simulated person typing
            # faster than one event a second gets the next second, as if they had waited
            created = self.created[openid] = max(now, self.created.get(openid, 0) + 1)
        xml = self._xml(openid, kind, content, msg_id, created)
        ts, nonce = str(now), f"n{msg_id}"
        query = {"signature": _sha1(self.token, ts, nonce), "timestamp": ts, "nonce": nonce}
        if safe:
            xml = self.crypto.encrypt_message(xml, nonce, ts)
            encrypt = xml.split("<Encrypt><![CDATA[")[1].split("]]>")[0]
            query.update(encrypt_type="aes", msg_signature=_sha1(self.token, ts, nonce, encrypt))
        path = "/wechat/oa?" + "&".join(f"{k}={v}" for k, v in query.items())
        return path, xml.encode()

    def answer(self, body: bytes, safe: bool) -> str | None:
        """The text of a passive reply (decrypted in safe mode); None for ``success``."""
        import xmltodict

        if not body.startswith(b"<xml>"):
            return None
        xml = body.decode()
        if safe:
            envelope = xmltodict.parse(xml)["xml"]
            xml = self.crypto.decrypt_message(xml, envelope["MsgSignature"], envelope["TimeStamp"],
                                              envelope["Nonce"])
        return xmltodict.parse(xml)["xml"].get("Content") or ""

    @staticmethod
    def _xml(openid: str, kind: str, content: str, msg_id: int, created: int) -> str:
        head = (f"<ToUserName><![CDATA[{ACCOUNT}]]></ToUserName>"
                f"<FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>{created}</CreateTime>")
        if kind == "text":
            body = (f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content>"
                    f"<MsgId>{msg_id}</MsgId>")
        elif kind == "voice":
            body = ("<MsgType><![CDATA[voice]]></MsgType><MediaId><![CDATA[media-1]]></MediaId>"
                    f"<Format><![CDATA[amr]]></Format><Recognition><![CDATA[{content}]]></Recognition>"
                    f"<MsgId>{msg_id}</MsgId>")
        else:   # click / subscribe: events carry no MsgId; WeChat dedupes them by sender + time
            event, key = ("CLICK", content) if kind == "click" else ("subscribe", "")
            body = f"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{event}]]></Event>" \
                   f"<EventKey><![CDATA[{key}]]></EventKey>"
        return f"<xml>{head}{body}</xml>"


def _sha1(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.passive = self.success = self.errors = self.apologies = 0

    def add(self, ms: float, status: int, answer: str | None) -> None:
        with self.lock:
            self.latencies.append(ms)
            if status != 200:
                self.errors += 1
            elif answer is None:
                self.success += 1
            else:
                self.passive += 1
                self.apologies += answer.startswith(APOLOGY)


def chat(wechat: WeChatServer, openid: str, script: list[tuple[str, str]], count: int, safe: bool, port: int,
         tally: Tally) -> None:
    """One resident: send ``count`` messages of ``script`` (repeated), each after the last answer."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    for n in range(count):
        kind, content = script[n % len(script)]
        path, body = wechat.request(openid, kind, content, safe)
        started = time.perf_counter()
        try:
            conn.request("POST", path, body=body, headers={"Content-Type": "text/xml"})
            response = conn.getresponse()
            status, answer = response.status, response.read()
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection(HOST, port, timeout=30)
            status, answer = 599, b""
        elapsed = (time.perf_counter() - started) * 1000
        tally.add(elapsed, status, wechat.answer(answer, safe) if status == 200 else None)
    conn.close()


def drive(wechat: WeChatServer, openids: list[str], messages: int, port: int) -> tuple[Result, Tally]:
    tally = Tally()
    threads = [threading.Thread(target=chat, args=(wechat, openid, CONVERSATIONS[i % len(CONVERSATIONS)] +
                                                   CONVERSATIONS[(i + 3) % len(CONVERSATIONS)], messages,
                                                   i % 3 == 2, port, tally))
               for i, openid in enumerate(openids)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    result = Result("POST /wechat/oa (Linli)", len(tally.latencies), tally.errors, seconds, tally.latencies)
    return result, tally


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--messages", type=int, default=30, help="per user")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=5098)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from tests.fakes.wechat_server import WeChatFake

    fake = WeChatFake().start()
    data_dir = tempfile.mkdtemp(prefix="linli-bench-oa-")
    setup = build_deployment(data_dir, args.users)
    server = serve(data_dir, args.port, setup["redis_url"], fake.base_url, args.workers, args.threads)
    wechat = WeChatServer(setup["config"])
    try:
        wait_until_up(HOST, args.port, "/bench/bare")
        # first messages: imports and caches that load on a process's first use
        drive(wechat, setup["openids"][:args.workers * args.threads], 3, args.port)
        fake.reset()
        print(f"{args.users} users x {args.messages} messages, gunicorn {args.workers} workers x "
              f"{args.threads} threads, embedded SQLite + Redis", flush=True)
        linli, tally = drive(wechat, setup["openids"], args.messages, args.port)
        time.sleep(5)   # let late answers finish
        late = len(fake.delivered("cgi-bin/message/custom/send"))
        store = setup["services"].store
        filed = {name: store.collection(name).count({"community_id": "demo:yghy"})
                 for name in ("repairs", "complaints")}
        bare = run("bare GET /bench/bare (baseline)", HOST, args.port,
                   lambda i: ("GET", "/bench/bare", None, {}), linli.requests, args.users)
    finally:
        server.terminate()
        server.wait(timeout=30)
        fake.stop()
    rows = [["endpoint", "msgs/s", "p50 ms", "p99 ms", "max ms", "errors"]]
    for r in (linli, bare):
        rows.append([r.name, f"{r.rps:.0f}", f"{r.p50:.1f}", f"{r.p99:.1f}", f"{r.max:.1f}", str(r.errors)])
    print(table(rows))
    print(f"\nanswers: {tally.passive} passive replies ({tally.apologies} of them the failure apology), "
          f"{tally.success} 'success' (no reply needed, or answered late), {late} late customer-service "
          f"messages, {tally.errors} HTTP errors; filed (first messages included): "
          f"{filed['repairs']} repairs, {filed['complaints']} complaints")
    print(f"ratios vs bare: p50 {linli.p50 / bare.p50:.1f}x, p99 {linli.p99 / bare.p99:.1f}x, "
          f"throughput {bare.rps / linli.rps:.1f}x lower")
    return 0


if __name__ == "__main__":
    sys.exit(main())
