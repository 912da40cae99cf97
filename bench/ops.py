"""Operations benchmark (issue 15): start-up, first reply, recovery, WeChat bursts.

Runs the real launcher with two Rasa processes and the WeChat channel configured, on ports
19805/19855/19880, and measures:

- ``start``: seconds from launching to "The assistant is running", and the latency of the
  very first reply after that (goal: under 1 s, the processes are warmed before serving);
- ``recovery``: for each kind of process, killed with SIGKILL: seconds until the assistant
  gives a normal answer again through the path that needs it, how many requests sent
  meanwhile got no answer at all (an apology counts as an answer), and for a Rasa process
  the seconds until the restarted one takes traffic again;
- ``wechat``: 32 WeChat users sending a policy question at the same moment (2 processes):
  how many passive replies arrive within WeChat's 5-second budget, p50/p95/max.
"""
from __future__ import annotations

import concurrent.futures
import hashlib
import json
import os
import re
import shutil
import signal
import statistics
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from tests.conftest import RunningStack

PORTS = {"RASA_PORT": 19805, "ACTION_PORT": 19855, "WEB_PORT": 19880}
WECHAT_TOKEN = "bench-wechat-token"
QUESTION = "送审表要几份？"
BUDGET_S = 5.0


def _post(url: str, body: bytes, content_type: str = "application/json", timeout: float = 30) -> tuple[int, str]:
    req = urllib.request.Request(url, data=body, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8", "replace")
    except OSError as exc:
        return 0, str(exc)


def _chat(stack: RunningStack, message: str) -> tuple[int, str]:
    body = json.dumps({"sender": "ops" + uuid.uuid4().hex[:10], "message": message}).encode()
    return _post(stack.web_url + "/api/chat", body)


def _answered(status: int, text: str) -> bool:
    return status == 200 and '"text"' in text


def _normal(status: int, text: str) -> bool:
    return _answered(status, text) and "抱歉" not in json.loads(text)["messages"][0].get("text", "抱歉")


def _pid(stack: RunningStack, name: str) -> int:
    found = re.findall(rf"(?:started|restarted) the {re.escape(name)} \(pid (\d+)", stack.log.read_text(errors="replace"))
    return int(found[-1])


def _workers(stack: RunningStack, seconds: float) -> set:
    seen, deadline = set(), time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(stack.rasa_url + "/webhooks/rest/", timeout=5) as resp:
                seen.add(json.loads(resp.read())["worker"])
        except OSError:
            pass
        time.sleep(0.05)
    return seen


def recovery(stack: RunningStack, name: str, limit: float = 240) -> dict:
    pid = _pid(stack, name)
    os.kill(pid, signal.SIGKILL)
    killed = time.monotonic()
    sent = unanswered = 0
    normal_after = None
    path_ok = _normal if name != "web app" else _answered
    while time.monotonic() - killed < limit:
        status, text = _chat(stack, QUESTION) if name != "web app" else _health(stack)
        sent += 1
        if not _answered(status, text):
            unanswered += 1
        if path_ok(status, text):
            normal_after = time.monotonic() - killed
            break
        time.sleep(0.2)
    result = {"process": name, "answer_again_s": _r(normal_after), "requests_meanwhile": sent,
              "requests_unanswered": unanswered}
    if name.startswith("Rasa"):
        deadline = killed + limit
        while time.monotonic() < deadline:
            if _pid(stack, name) != pid and len(_workers(stack, 1.0)) >= 2:
                result["process_back_s"] = _r(time.monotonic() - killed)
                break
    return result


def _health(stack: RunningStack) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(stack.web_url + "/healthz", timeout=5) as resp:
            return resp.status, '{"text": "ok"}'
    except urllib.error.HTTPError as err:
        return err.code, ""
    except OSError:
        return 0, ""


def _wechat_one(stack: RunningStack, openid: str) -> float:
    ts, nonce = str(int(time.time())), uuid.uuid4().hex[:8]
    sig = hashlib.sha1("".join(sorted([WECHAT_TOKEN, ts, nonce])).encode()).hexdigest()
    xml = ("<xml><ToUserName><![CDATA[gh]]></ToUserName>"
           f"<FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>{ts}</CreateTime>"
           f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{QUESTION}]]></Content>"
           f"<MsgId>{time.time_ns()}</MsgId></xml>")
    url = f"{stack.rasa_url}/webhooks/wechat/webhook?signature={sig}&timestamp={ts}&nonce={nonce}"
    started = time.monotonic()
    status, text = _post(url, xml.encode(), "text/xml", timeout=30)
    took = time.monotonic() - started
    ok = status == 200 and "<Content>" in text and "正在查询" not in text and "抱歉" not in text
    return took if ok else float("inf")


def wechat_burst(stack: RunningStack, senders: int = 32, rounds: int = 3) -> dict:
    times: list[float] = []
    for _ in range(rounds):
        with concurrent.futures.ThreadPoolExecutor(senders) as pool:
            times += list(pool.map(lambda i: _wechat_one(stack, f"oBench{i}{uuid.uuid4().hex[:6]}"), range(senders)))
        time.sleep(1)
    finite = sorted(t for t in times if t != float("inf"))
    within = sum(1 for t in times if t <= BUDGET_S)
    return {"senders": senders, "rounds": rounds, "replies": len(times), "within_5s": within,
            "p50_s": _r(statistics.median(finite)) if finite else None,
            "p95_s": _r(finite[int(0.95 * (len(finite) - 1))]) if finite else None,
            "max_s": _r(max(finite)) if finite else None}


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def run(quick: bool = False) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="zhicheng-ops-"))
    env = {"WECHAT_TOKEN": WECHAT_TOKEN, "RASA_WORKERS": "2"}
    stack = RunningStack(tmp, PORTS, extra_env=env)
    started = time.monotonic()
    stack.start()
    result: dict = {"start": {"ready_s": _r(time.monotonic() - started)}}
    try:
        t0 = time.monotonic()
        status, text = _post(stack.rasa_url + "/webhooks/rest/webhook",
                             json.dumps({"sender": "ops-first", "message": QUESTION}).encode())
        result["start"]["first_reply_s"] = _r(time.monotonic() - t0)
        result["start"]["first_reply_ok"] = status == 200 and "抱歉" not in json.loads(text or "[{}]")[0].get("text", "抱歉")
        print(f"  ready after {result['start']['ready_s']} s, first reply {result['start']['first_reply_s']} s", flush=True)
        result["wechat"] = wechat_burst(stack, 32, 1 if quick else 3)
        print(f"  WeChat 32 senders x {result['wechat']['rounds']}: {result['wechat']['within_5s']}/"
              f"{result['wechat']['replies']} within 5 s, p95 {result['wechat']['p95_s']} s", flush=True)
        result["recovery"] = []
        for name in ("action server", "Rasa server process 1", "web app"):
            outcome = recovery(stack, name)
            result["recovery"].append(outcome)
            print(f"  killed the {name}: answering normally again after {outcome['answer_again_s']} s "
                  f"({outcome['requests_unanswered']} of {outcome['requests_meanwhile']} requests unanswered)"
                  + (f", process back in {outcome['process_back_s']} s" if "process_back_s" in outcome else ""),
                  flush=True)
    finally:
        stack.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return result


def markdown(result: dict) -> list[str]:
    start, burst = result.get("start", {}), result.get("wechat", {})
    lines = ["## Operations (bench/ops.py)", "",
             f"- start-up: ready after {start.get('ready_s')} s; first reply {start.get('first_reply_s')} s "
             f"(goal < 1 s; answered normally: {start.get('first_reply_ok')})",
             f"- WeChat, {burst.get('senders')} senders at once x {burst.get('rounds')}, 2 Rasa processes: "
             f"{burst.get('within_5s')}/{burst.get('replies')} passive replies within 5 s; p50 {burst.get('p50_s')} s, "
             f"p95 {burst.get('p95_s')} s, max {burst.get('max_s')} s", "",
             "| process killed (SIGKILL) | normal answers again after | requests meanwhile | unanswered | process back after |",
             "| --- | --- | --- | --- | --- |"]
    for row in result.get("recovery", []):
        lines.append(f"| {row['process']} | {row['answer_again_s']} s | {row['requests_meanwhile']} | "
                     f"{row['requests_unanswered']} | {row.get('process_back_s', '–')} |")
    return lines + [""]
