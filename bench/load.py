"""Latency and throughput through Rasa's REST channel at several concurrency levels.

Three kinds of message are measured in the same run, interleaved so that each sees the same
load: a greeting answered by a rule, a policy answer and a one-turn eligibility answer. Each
kind rotates through its messages (the blind question set for policy answers, the one-turn
eligibility questions of the end-to-end set), so the figures are those of a realistic mix. Every request is checked (HTTP 200, a reply, and the payload its kind must carry);
anything else counts as an error. Loops are bounded in count and in time.
"""
from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import aiohttp

from bench.stats import summary_ms

GREETINGS = ["你好", "您好", "在吗", "你好，请问", "早上好", "哈喽"]


def _messages() -> dict[str, list[str]]:
    from pathlib import Path

    import yaml

    from bench.blind import questions

    root = Path(__file__).resolve().parent.parent
    e2e = yaml.safe_load((root / "tests" / "e2e" / "questions.yml").read_text(encoding="utf-8"))
    return {
        "greeting": GREETINGS,
        "kb_answer": [c["q"] for c in questions() if c.get("clauses")],
        "eligibility": [c["text"] for c in e2e if "eligible" in c or "eligible_not" in c],
    }


MESSAGES = _messages()
KINDS = list(MESSAGES)
TURNS_PER_CONVERSATION = 10      # a sender is replaced after this many messages of one kind
REQUEST_TIMEOUT = 60.0


@dataclass
class Sample:
    kind: str
    seconds: float
    ok: bool
    error: str = ""


@dataclass
class LevelResult:
    concurrency: int
    wall_s: float
    samples: list[Sample] = field(default_factory=list)

    def as_dict(self) -> dict:
        out: dict = {"concurrency": self.concurrency, "wall_s": self.wall_s,
                     "requests": len(self.samples),
                     "errors": sum(not s.ok for s in self.samples),
                     "throughput_msg_s": len(self.samples) / self.wall_s if self.wall_s else 0.0,
                     "error_examples": sorted({s.error for s in self.samples if not s.ok})[:5],
                     "kinds": {}}
        for kind in KINDS:
            times = [s.seconds for s in self.samples if s.kind == kind and s.ok]
            out["kinds"][kind] = summary_ms(times) | {
                "errors": sum(1 for s in self.samples if s.kind == kind and not s.ok)}
        greet_p95 = out["kinds"]["greeting"]["p95_ms"]
        for kind in KINDS:
            p95 = out["kinds"][kind]["p95_ms"]
            out["kinds"][kind]["p95_vs_greeting"] = p95 / greet_p95 if greet_p95 else None
        return out


def check_reply(kind: str, status: int, body) -> str:
    """'' when the reply is what this kind must get, else what is wrong."""
    if status != 200:
        return f"HTTP {status}"
    if not isinstance(body, list) or not any(m.get("text") for m in body if isinstance(m, dict)):
        return "empty reply"
    custom: dict = {}
    for m in body:
        if isinstance(m.get("custom"), dict):
            custom.update(m["custom"])
    said_not_found = (custom.get("answer") or {}).get("kind") == "none"  # "通知中没有找到…" with the hotline
    if kind == "kb_answer" and not custom.get("citations") and not any(m.get("buttons") for m in body) \
            and not said_not_found:
        return "policy answer without citations, choices or a not-found reply"
    if kind == "eligibility" and "eligibility" not in custom:
        return "no eligibility verdict"
    return ""


async def _one(session: aiohttp.ClientSession, url: str, kind: str, sender: str, n: int = 0) -> Sample:
    started = time.perf_counter()
    message = MESSAGES[kind][n % len(MESSAGES[kind])]
    try:
        async with session.post(url, json={"sender": sender, "message": message}) as resp:
            body = await resp.json(content_type=None)
            error = check_reply(kind, resp.status, body)
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
        error = type(exc).__name__
    return Sample(kind, time.perf_counter() - started, not error, error)


async def run_level(rasa_url: str, concurrency: int, requests: int, max_seconds: float,
                    tag: str = "bench") -> LevelResult:
    """`requests` messages (kinds round-robin) sent by `concurrency` senders at once."""
    url = rasa_url.rstrip("/") + "/webhooks/rest/webhook"
    kinds = list(KINDS)
    jobs: asyncio.Queue = asyncio.Queue()
    for i in range(requests):
        jobs.put_nowait(kinds[i % len(kinds)])
    result = LevelResult(concurrency, 0.0)
    deadline = time.monotonic() + max_seconds
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)

    async def worker(session: aiohttp.ClientSession, worker_id: int) -> None:
        sent: dict[str, int] = {k: 0 for k in kinds}
        while time.monotonic() < deadline:
            try:
                kind = jobs.get_nowait()
            except asyncio.QueueEmpty:
                return
            n = sent[kind]
            sent[kind] += 1
            sender = f"{tag}-c{concurrency}-w{worker_id}-{kind}-{n // TURNS_PER_CONVERSATION}"
            result.samples.append(await _one(session, url, kind, sender, n * concurrency + worker_id))

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        started = time.perf_counter()
        await asyncio.gather(*(worker(session, w) for w in range(concurrency)))
        result.wall_s = time.perf_counter() - started
    return result


def run_levels(rasa_url: str, levels: list[int], per_sender: int, minimum: int, max_seconds: float,
               warmup: int = 9, pids: dict[str, list[int]] | None = None) -> list[dict]:
    """Warm up, then each level in turn; returns one dict per level. With `pids`, each level
    also reports the CPU time each server (all its processes) spent per message, and how the
    Rasa server's CPU time was shared among its processes (an idle process shows as 0 %)."""
    from bench.stack import cpu_seconds

    asyncio.run(run_level(rasa_url, 1, warmup, max_seconds, tag="warmup"))
    out = []
    for level in levels:
        requests = max(minimum, per_sender * level)
        requests -= requests % len(KINDS)
        before = {name: cpu_seconds(pid) for name, pid in (pids or {}).items()}
        rasa = (pids or {}).get("rasa_server") or []
        before_each = [cpu_seconds([p]) for p in rasa]
        res = asyncio.run(run_level(rasa_url, level, requests, max_seconds, tag=f"bench{int(time.time())}"))
        summary = res.as_dict()
        if before and summary["requests"]:
            summary["cpu_ms_per_message"] = {name: round((cpu_seconds(pid) - before[name]) * 1000 / summary["requests"], 1)
                                             for name, pid in pids.items()}
        if len(rasa) > 1:
            used = [cpu_seconds([p]) - b for p, b in zip(rasa, before_each)]
            summary["rasa_process_cpu_share_pct"] = [round(100 * u / sum(used)) if sum(used) else 0 for u in used]
        print(f"  {level:>2} senders: {summary['requests']} messages in {summary['wall_s']:.1f} s = "
              f"{summary['throughput_msg_s']:.1f} msg/s, errors {summary['errors']}; p95 ms "
              + ", ".join(f"{k} {v['p95_ms']:.0f}" for k, v in summary["kinds"].items())
              + (f"; errors seen: {summary['error_examples']}" if summary["errors"] else ""), flush=True)
        out.append(summary)
    return out


async def run_rate(rasa_url: str, rate: float, seconds: float, tag: str = "rate") -> dict:
    """Open loop: messages arrive at a fixed rate (like independent users), whatever the
    replies' speed. Returns the same summary as a level, with `offered_msg_s`."""
    url = rasa_url.rstrip("/") + "/webhooks/rest/webhook"
    kinds = list(KINDS)
    total = max(len(kinds), int(rate * seconds))
    result = LevelResult(0, 0.0)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=200), timeout=timeout) as session:
        started = time.perf_counter()
        tasks = []
        for i in range(total):
            delay = started + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            kind = kinds[i % len(kinds)]
            sender = f"{tag}-{kind}-{i // (len(kinds) * TURNS_PER_CONVERSATION)}-{i % 7}"

            async def one(kind=kind, sender=sender, n=i // len(kinds)):
                result.samples.append(await _one(session, url, kind, sender, n))

            tasks.append(asyncio.ensure_future(one()))
        await asyncio.gather(*tasks)
        result.wall_s = time.perf_counter() - started
    summary = result.as_dict()
    summary.pop("concurrency")
    summary["offered_msg_s"] = rate
    print(f"  open loop {rate:.1f} msg/s offered: {summary['throughput_msg_s']:.1f} served, errors "
          f"{summary['errors']}; p95 ms " + ", ".join(f"{k} {v['p95_ms']:.0f}" for k, v in summary["kinds"].items()),
          flush=True)
    return summary
