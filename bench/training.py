#!/usr/bin/env python
"""Training under a class's load, as ratios to GET /api/v1/ping with the same arrival pattern, same run.

Starts the real ASGI server (uvicorn, N workers) on a throwaway database (bench/common.py), prepares one
studio with LEARNERS learners enrolled in a 600 s video lesson and CANDIDATES candidates of one exam per
round (a random paper of 20 questions from a 120-question bank), then, each phase driven by per-person
keep-alive connections from this process (asyncio, raw HTTP/1.1: a few µs of client cost per request):

  learning  every learner posts a progress batch (the last 15 s watched) every 15 s, start times spread
            evenly over the period, for ROUNDS periods  ↔  the same people GET /ping on the same schedule
  exam      all candidates start the exam within the first 10 s (Moodle's synchronised start), autosave
            their answers once after 5–35 s and submit 0–15 s later: all within one minute
            ↔  the same people GET /ping at the same three moments

and prints p50/p99 of each call, the ratios p99 ÷ ping p99 (aim ≤ 3 for start and submit), errors,
the query counts of the hot paths at two sizes (must be equal) and the machine's load average.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shixun REDIS_URL=redis://127.0.0.1:6379/0 python bench/training.py
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Server, bench_database_url, manage, run_python, server_env, write_result  # noqa: E402

PREPARE = """
import json
from datetime import timedelta
from decimal import Decimal
from django.utils import timezone
from accounts.models import OrgUnit, Role, User, RoleGrant, ApiToken
from accounts.services import ensure_org_unit, issue_token
from training.models import Enrolment, KnowledgeTag, LessonProgress
from tests.training.kit import make_bank, make_course, make_exam

bureau = ensure_org_unit(name="培训基准局", kind=OrgUnit.Kind.BUREAU)
studio = ensure_org_unit(name="培训基准工作室", kind=OrgUnit.Kind.STUDIO, parent=bureau)
course = make_course(unit=studio, title="基准课程", duration=Decimal("600"))
lesson = course.lessons.get()

def people(prefix, n):
    users = User.objects.bulk_create([User(username=f"{prefix}-{i}", display_name=f"{prefix}{i}",
                                           primary_org_unit=studio) for i in range(n)])
    RoleGrant.objects.bulk_create([RoleGrant(user=u, role=Role.WORKER, org_unit=studio) for u in users])
    return users

learners = people("learner", LEARNERS)
Enrolment.objects.bulk_create([Enrolment(course=course, user=u) for u in learners])
opened = timezone.now() - timedelta(hours=1)
LessonProgress.objects.bulk_create([LessonProgress(user=u, lesson=lesson, course=course, opened_at=opened)
                                    for u in learners])
bank = make_bank(unit=studio, per_kind=10, tags=("制冷原理", "安全规范", "运行管理"))
tags = list(KnowledgeTag.objects.filter(name__in=["制冷原理", "安全规范", "运行管理"]).order_by("name"))
exams = [make_exam(unit=studio, bank=bank, mode="random", title=f"基准考试{r}", time_limit_minutes=30,
                   rules=[(tags[0], "", 8, Decimal("5")), (tags[1], "", 6, Decimal("5")), (tags[2], "", 6, Decimal("5"))]).pk
         for r in range(ROUNDS)]
candidates = people("candidate", CANDIDATES)
leader = User.objects.create(username="bench-leader", primary_org_unit=studio)
RoleGrant.objects.create(user=leader, role=Role.TRAINER, org_unit=studio)
print(json.dumps({"lesson_id": lesson.pk, "exams": exams,
                  "learners": [issue_token(user=u)[0] for u in learners],
                  "candidates": [issue_token(user=u)[0] for u in candidates]}))
"""

QUERY_COUNTS = """
import json
from decimal import Decimal
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from accounts.models import OrgUnit, Role, User, RoleGrant
from accounts.services import ensure_org_unit, issue_token
from training import services
from training.models import Enrolment, KnowledgeTag, Question
from tests.training.kit import make_bank, make_course, make_exam, right_answer

def count(client, method, path, token, body=None):
    extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    with CaptureQueriesContext(connection) as ctx:
        if method == "GET":
            response = client.get(path, **extra)
        else:
            response = client.generic(method, path, json.dumps(body), content_type="application/json", **extra)
    assert response.status_code < 300, (path, response.status_code, response.content[:300])
    return len(ctx.captured_queries), response

out = {"exam start": [], "autosave": [], "exam submit": [], "progress batch (10 items)": [], "item analysis": [],
       "studio learning view": []}
for size in ("small", "large"):
    per_kind, people_n = (2, 5) if size == "small" else (40, 120)
    bureau = ensure_org_unit(name=f"计数局{size}", kind=OrgUnit.Kind.BUREAU)
    studio = ensure_org_unit(name=f"计数工作室{size}", kind=OrgUnit.Kind.STUDIO, parent=bureau)
    bank = make_bank(unit=studio, name=f"计数题库{size}", per_kind=per_kind, tags=(f"甲{size}", f"乙{size}"), prefix=size)
    tag = KnowledgeTag.objects.get(name=f"甲{size}")
    exam = make_exam(unit=studio, bank=bank, mode="random", title=f"计数考试{size}",
                     rules=[(tag, "", 5, Decimal("10")), (None, "hard", 5, Decimal("10"))])
    course = make_course(unit=studio, title=f"计数课程{size}", duration=Decimal("600"))
    lesson = course.lessons.get()
    users = []
    for i in range(people_n):
        user = User.objects.create(username=f"qc-{size}-{i}", primary_org_unit=studio)
        RoleGrant.objects.create(user=user, role=Role.WORKER, org_unit=studio)
        Enrolment.objects.create(course=course, user=user)
        users.append(user)
    for user in users[1:]:  # a class that has sat the exam
        attempt, _ = services.start_attempt(user=user, exam_id=exam.pk)
        keys = {q.pk: q for q in Question.objects.filter(pk__in=[e["q"] for e in attempt.paper])}
        services.submit(user=user, attempt_id=attempt.pk, answers=[services.AnswerIn(pk, right_answer(q), 1)
                                                                   for pk, q in keys.items()])
    trainer = User.objects.create(username=f"qc-trainer-{size}", primary_org_unit=studio)
    RoleGrant.objects.create(user=trainer, role=Role.TRAINER, org_unit=studio)
    client = Client(HTTP_HOST="127.0.0.1")
    token = issue_token(user=users[0])[0]
    n, response = count(client, "POST", f"/api/v1/exams/{exam.pk}/attempts", token)
    out["exam start"].append(n)
    body = response.json()
    answers = [{"question_id": q["question_id"], "seq": 1, "answer": (q["options"][0]["key"] if q["kind"] == "single"
               else [q["options"][0]["key"]] if q["kind"] == "multiple" else True if q["kind"] == "true_false"
               else ["x"] * q["blanks"])} for q in body["questions"]]
    out["autosave"].append(count(client, "PUT", f"/api/v1/attempts/{body['id']}/answers", token, {"answers": answers})[0])
    out["exam submit"].append(count(client, "POST", f"/api/v1/attempts/{body['id']}/submit", token, {})[0])
    items = [{"client_id": f"{size}-{i}", "lesson_id": lesson.pk, "position_s": 15 * (i + 1),
              "watched": [[15 * i, 15 * (i + 1)]], "at": "2026-03-02T10:00:00+08:00"} for i in range(10)]
    out["progress batch (10 items)"].append(count(client, "POST", "/api/v1/learning/progress", token, {"items": items})[0])
    trainer_token = issue_token(user=trainer)[0]
    out["item analysis"].append(count(client, "GET", f"/api/v1/exams/{exam.pk}/analysis", trainer_token)[0])
    out["studio learning view"].append(count(client, "GET", f"/api/v1/studios/{studio.pk}/learning", trainer_token)[0])
print(json.dumps(out))
"""


class Connection:
    """One person's keep-alive HTTP/1.1 connection."""

    def __init__(self, host: str, port: int, token: str):
        self.host, self.port, self.token = host, port, token
        self.reader = self.writer = None

    async def open(self) -> None:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)

    async def call(self, method: str, path: str, body=None) -> tuple[int, bytes, float]:
        payload = json.dumps(body).encode() if body is not None else b""
        head = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", "Accept: application/json",
                f"Authorization: Bearer {self.token}"]
        if body is not None:
            head += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
        request = ("\r\n".join(head) + "\r\n\r\n").encode() + payload
        started = time.perf_counter()
        try:
            self.writer.write(request)
            await self.writer.drain()
            status_line = await self.reader.readline()
        except ConnectionError:
            status_line = b""
        if not status_line:
            # uvicorn closes keep-alive connections idle for 5 s; a phone reconnects, and so do we (the
            # reconnection is part of the measured time, in both phases alike).
            self.close()
            await self.open()
            self.writer.write(request)
            await self.writer.drain()
            status_line = await self.reader.readline()
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        data = await self.reader.readexactly(length) if length else b""
        elapsed = (time.perf_counter() - started) * 1000
        return int(status_line.split(b" ", 2)[1]), data, elapsed

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    low = int(k)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


async def learning_phase(base: str, tokens: list[str], lesson_id: int, rounds: int, period: float,
                         ping: bool) -> dict:
    url = urlparse(base)
    latencies: list[float] = []
    errors: list[int] = []
    loop = asyncio.get_running_loop()
    conns = [Connection(url.hostname, url.port, t) for t in tokens]
    await asyncio.gather(*(c.open() for c in conns))
    start = loop.time() + 0.5

    async def learner(index: int, conn: Connection) -> None:
        offset = period * index / len(conns)
        for r in range(rounds):
            await asyncio.sleep(max(0.0, start + offset + r * period - loop.time()))
            if ping:
                status, _, ms = await conn.call("GET", "/api/v1/ping")
            else:
                body = {"items": [{"client_id": str(uuid.uuid4()), "lesson_id": lesson_id,
                                   "position_s": (r + 1) * 15, "watched": [[r * 15, (r + 1) * 15]],
                                   "at": datetime.now(UTC).isoformat()}]}
                status, data, ms = await conn.call("POST", "/api/v1/learning/progress", body)
                if status == 200 and json.loads(data)["results"][0]["status"] != "accepted":
                    status = 599
            latencies.append(ms)
            if status != 200:
                errors.append(status)

    try:
        await asyncio.gather(*(learner(i, c) for i, c in enumerate(conns)))
    finally:
        for conn in conns:
            conn.close()
    return {"requests": len(latencies), "errors": len(errors), "statuses": sorted(set(errors)),
            "p50_ms": pct(latencies, 50), "p99_ms": pct(latencies, 99), "latencies": latencies}


def answers_for(body: dict) -> list[dict]:
    out = []
    for q in body["questions"]:
        keys = [o["key"] for o in q["options"]]
        answer = {"single": keys[0] if keys else None, "multiple": keys[:2], "true_false": True,
                  "fill": ["7摄氏度"] * q["blanks"]}[q["kind"]]
        out.append({"question_id": q["question_id"], "answer": answer, "seq": 1})
    return out


async def exam_phase(base: str, tokens: list[str], exam_id: int, ping: bool, seed: int, seconds: float = 60) -> dict:
    url = urlparse(base)
    rng = random.Random(seed)
    scale = seconds / 60
    plan = [(rng.uniform(0, 10 * scale), rng.uniform(5 * scale, 35 * scale), rng.uniform(0, 15 * scale))
            for _ in tokens]
    calls: dict[str, list[float]] = {"start": [], "save": [], "submit": []}
    errors: list[tuple[str, int]] = []
    loop = asyncio.get_running_loop()
    conns = [Connection(url.hostname, url.port, t) for t in tokens]
    await asyncio.gather(*(c.open() for c in conns))
    t0 = loop.time() + 0.5

    async def candidate(conn: Connection, at: tuple[float, float, float]) -> None:
        begin, think, pause = at
        await asyncio.sleep(max(0.0, t0 + begin - loop.time()))
        if ping:
            status, data, ms = await conn.call("GET", "/api/v1/ping")
        else:
            status, data, ms = await conn.call("POST", f"/api/v1/exams/{exam_id}/attempts")
        calls["start"].append(ms)
        if status not in (200, 201):
            errors.append(("start", status))
            return
        attempt = None if ping else json.loads(data)
        await asyncio.sleep(think)
        if ping:
            status, _, ms = await conn.call("GET", "/api/v1/ping")
        else:
            status, _, ms = await conn.call("PUT", f"/api/v1/attempts/{attempt['id']}/answers",
                                            {"answers": answers_for(attempt)})
        calls["save"].append(ms)
        if status != 200:
            errors.append(("save", status))
        await asyncio.sleep(pause)
        if ping:
            status, _, ms = await conn.call("GET", "/api/v1/ping")
        else:
            status, data, ms = await conn.call("POST", f"/api/v1/attempts/{attempt['id']}/submit", {})
            if status == 200 and json.loads(data)["state"] != "submitted":
                status = 599
        calls["submit"].append(ms)
        if status != 200:
            errors.append(("submit", status))

    started = loop.time()
    try:
        await asyncio.gather(*(candidate(c, p) for c, p in zip(conns, plan, strict=True)))
    finally:
        for conn in conns:
            conn.close()
    return {"seconds": loop.time() - started, "errors": len(errors), "error_kinds": sorted(set(errors)),
            **{f"{k}_p50_ms": pct(v, 50) for k, v in calls.items()},
            **{f"{k}_p99_ms": pct(v, 99) for k, v in calls.items()}, "counts": {k: len(v) for k, v in calls.items()}}


def measure(env: dict, args) -> dict:
    data = json.loads(run_python(env, PREPARE.replace("LEARNERS", str(args.learners))
                                 .replace("CANDIDATES", str(args.candidates)).replace("ROUNDS", str(args.rounds))))
    out: dict = {"load_before": os.getloadavg()}
    with Server(env, args.workers) as server:
        # Warm every worker and the pool.
        asyncio.run(learning_phase(server.base, data["learners"][:20], data["lesson_id"], 2, 1.0, ping=True))
        out["learning"] = {"ping": [], "progress": []}
        for r in range(args.rounds):
            for kind in (("ping", "progress") if r % 2 == 0 else ("progress", "ping")):
                result = asyncio.run(learning_phase(server.base, data["learners"], data["lesson_id"],
                                                    args.periods, args.period, ping=kind == "ping"))
                result.pop("latencies")
                out["learning"][kind].append(result)
        out["exam"] = {"ping": [], "exam": []}
        for r in range(args.rounds):
            for kind in (("ping", "exam") if r % 2 == 0 else ("exam", "ping")):
                out["exam"][kind].append(asyncio.run(exam_phase(server.base, data["candidates"], data["exams"][r],
                                                                ping=kind == "ping", seed=r,
                                                                seconds=args.exam_seconds)))
    out["load_after"] = os.getloadavg()
    out["queries"] = json.loads(run_python(env, QUERY_COUNTS))
    return out


def summary(out: dict) -> list[tuple[str, str, str, str]]:
    def med(rows, key):
        return statistics.median(r[key] for r in rows)

    ping_l, prog = out["learning"]["ping"], out["learning"]["progress"]
    ping_e, exam = out["exam"]["ping"], out["exam"]["exam"]
    rows = [
        ("progress POST p99 ÷ ping p99 (same schedule)",
         f"{med(prog, 'p99_ms'):.1f} ÷ {med(ping_l, 'p99_ms'):.1f} ms (p50 {med(prog, 'p50_ms'):.1f} ÷ "
         f"{med(ping_l, 'p50_ms'):.1f})", f"{med(prog, 'p99_ms') / med(ping_l, 'p99_ms'):.2f}", "recorded"),
        ("exam start p99 ÷ ping p99 (synchronised start)", f"{med(exam, 'start_p99_ms'):.1f} ÷ "
         f"{med(ping_e, 'start_p99_ms'):.1f} ms", f"{med(exam, 'start_p99_ms') / med(ping_e, 'start_p99_ms'):.2f}", "≤ 3"),
        ("autosave p99 ÷ ping p99", f"{med(exam, 'save_p99_ms'):.1f} ÷ {med(ping_e, 'save_p99_ms'):.1f} ms",
         f"{med(exam, 'save_p99_ms') / med(ping_e, 'save_p99_ms'):.2f}", "recorded"),
        ("exam submit p99 ÷ ping p99", f"{med(exam, 'submit_p99_ms'):.1f} ÷ {med(ping_e, 'submit_p99_ms'):.1f} ms",
         f"{med(exam, 'submit_p99_ms') / med(ping_e, 'submit_p99_ms'):.2f}", "≤ 3"),
        ("errors (all phases)", str(sum(r["errors"] for rows_ in (prog, ping_l, exam, ping_e) for r in rows_)), "", "0"),
    ]
    for name, (small, large) in out["queries"].items():
        rows.append((f"queries: {name}", f"{small} (small) vs {large} (large)",
                     "constant" if small == large else "GROWS", "constant"))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--learners", type=int, default=300)
    parser.add_argument("--candidates", type=int, default=200)
    parser.add_argument("--period", type=float, default=15.0, help="seconds between a learner's reports")
    parser.add_argument("--periods", type=int, default=4, help="reports per learner per phase")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds (ping first, then reversed)")
    parser.add_argument("--exam-seconds", type=float, default=60, help="the exam phase's span (start to last submit)")
    args = parser.parse_args()
    started = time.time()
    database_url = bench_database_url()
    env = server_env(database_url, LOG_LEVEL="ERROR", RATE_LIMIT_PROGRESS="100000/60",
                     PRIVATE_MEDIA_ROOT=server_env(database_url)["MEDIA_ROOT"] + "-private")
    manage(env, "migrate", "--noinput", "-v", "0")
    out = measure(env, args)
    database = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"
    print(f"\nTraining benchmark {time.strftime('%Y-%m-%d %H:%M')}: uvicorn × {args.workers}, {database}, "
          f"{args.learners} learners every {args.period:g} s × {args.periods}, {args.candidates} candidates, "
          f"{args.rounds} rounds, {os.cpu_count()} CPUs, load average {out['load_before'][0]:.1f} before / "
          f"{out['load_after'][0]:.1f} after, {time.time() - started:.0f} s\n")
    print("| figure | measured | ratio | aim |")
    print("| --- | --- | ---: | --- |")
    for row in summary(out):
        print("| " + " | ".join(row) + " |")
    path = write_result("training", {"args": vars(args), **out})
    print(f"\nraw results: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
