"""Shared pieces of the contest-day fault tests: a 10-aspect event with 40 entries and 5 judges, the
marking plan, a flaky phone that resends or drops the connection mid-request, and an independent
recomputation of the board from the stored marks (not the app's own scoring code)."""

from __future__ import annotations

import json
import math
import random
import socket
import uuid
from collections import defaultdict
from fractions import Fraction
from urllib.parse import urlparse

import requests

from accounts.services import issue_token
from competitions.models import Aspect, Mark
from tests.competitions.conftest import Kit

# Section A: 4 measurement aspects of 10; section B: 6 judgement aspects of 10 on the 0–3 scale.
SCHEME = [
    ("测量", "40", [(f"测量{n}", "measurement", "10", 3) for n in range(1, 5)]),
    ("评判", "60", [(f"评判{n}", "judgement", "10", 3) for n in range(1, 7)]),
]


def contest_day_kit(api, org, make_user, entries: int = 40) -> Kit:
    return Kit(api, org, make_user, scheme=SCHEME, aggregation="trimmed", contestant_units=[org.base] * entries)


def marking_plan(kit: Kit, rng: random.Random) -> list[tuple[int, list[dict]]]:
    """(judge id, batch of marks) per judge per entry: judge 1 enters the measurements (any panel judge
    may; one judge keeps "the latest" unambiguous), every judge scores every judgement aspect."""
    plan = []
    measurements = [a for a in kit.aspects if a.kind == Aspect.Kind.MEASUREMENT]
    for entry in kit.entries:
        for index, judge in enumerate(kit.judges):
            marks = []
            if index == 0:
                marks += [{"client_id": str(uuid.uuid4()), "entry_id": entry.id, "aspect_id": a.id,
                           "value": f"{rng.randint(0, 1000) / 100:.2f}"} for a in measurements]
            marks += [{"client_id": str(uuid.uuid4()), "entry_id": entry.id, "aspect_id": a.id,
                       "value": rng.randint(0, a.scale_max)} for a in kit.judgement]
            plan.append((judge.id, marks))
    rng.shuffle(plan)
    return plan


def tokens_for(kit: Kit) -> dict[int, str]:
    return {judge.id: issue_token(user=judge)[0] for judge in kit.judges}


def drop_mid_request(host: str, token: str, body: dict, *, whole: bool) -> None:
    """Send the request (whole, or cut in the middle of its body) and close without reading an answer:
    a phone losing its signal. With `whole`, the server may well have committed it."""
    payload = json.dumps(body).encode()
    parsed = urlparse(f"http://{host}")
    head = (f"POST /api/v1/judging/marks HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n").encode()
    data = head + (payload if whole else payload[: len(payload) // 2])
    with socket.create_connection((parsed.hostname, parsed.port), timeout=5) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_RDWR)


def send_batch(session: requests.Session, hosts: list[str], token: str, marks: list[dict], rng: random.Random,
               stats: dict) -> None:
    """One judge's batch as a flaky phone sends it: 5% of the time the connection drops mid-request
    (then the phone resends), 10% of the time the answer is resent anyway (to either process)."""
    body = {"marks": marks}
    host = rng.choice(hosts)
    if rng.random() < 0.05:
        stats["dropped"] += 1
        try:
            drop_mid_request(host, token, body, whole=rng.random() < 0.5)
        except OSError:
            pass  # that server is gone: nothing was sent
        host = rng.choice(hosts)
    response = _post(session, hosts, host, token, body)
    assert response.status_code == 200, response.text
    statuses = {r["status"] for r in response.json()["results"]}
    assert statuses <= {200, 201}, response.text
    if rng.random() < 0.10:
        stats["resent"] += 1
        again = _post(session, hosts, rng.choice(hosts), token, body)
        assert again.status_code == 200, again.text
        assert all(r["status"] == 200 and r["replayed"] for r in again.json()["results"]), again.text
    stats["sent"] += 1


def send_batches(hosts: list[str], tokens: dict[int, str], batches: list[tuple[int, list[dict]]],
                 rng: random.Random, stats: dict) -> None:
    """Several judges' batches, one after another on one connection (see send_batch)."""
    with requests.Session() as session:
        for judge_id, marks in batches:
            send_batch(session, hosts, tokens[judge_id], marks, rng, stats)


def _post(session, hosts, host, token, body):
    """POST, and on a refused or broken connection try the next server, as a phone behind a load
    balancer would (the same body: the marks' client ids make the retry safe)."""
    order = [host] + [h for h in hosts if h != host]
    for attempt in range(3 * len(order)):
        target = order[attempt % len(order)]
        try:
            return session.post(f"http://{target}/api/v1/judging/marks", json=body, timeout=30,
                                headers={"Authorization": f"Bearer {token}"})
        except requests.ConnectionError:
            if attempt == 3 * len(order) - 1:
                raise
    raise AssertionError("unreachable")


def recompute_totals(kit: Kit) -> dict[str, str]:
    """Totals from the stored marks, computed here with exact fractions: latest revision per judge for
    judgement aspects (trimmed mean dropping the highest and the lowest when 5 or more marks), the
    latest mark for measurement aspects; one rounding, half up, at the end."""
    aspects = {a.id: a for a in kit.aspects}
    latest: dict[tuple[int, int, int], Mark] = {}
    for mark in Mark.objects.filter(event=kit.event).order_by("id"):
        key = (mark.entry_id, mark.aspect_id, mark.judge_id if aspects[mark.aspect_id].kind == "judgement" else 0)
        latest[key] = mark
    per_aspect: dict[tuple[int, int], list[Fraction]] = defaultdict(list)
    for (entry_id, aspect_id, _), mark in latest.items():
        per_aspect[(entry_id, aspect_id)].append(Fraction(mark.value))
    totals = {}
    for entry in kit.entries:
        total = Fraction(0)
        for aspect in kit.aspects:
            values = sorted(per_aspect.get((entry.id, aspect.id), []))
            if not values:
                continue
            if aspect.kind == "measurement":
                total += values[0]  # one value per (entry, aspect): the latest mark
                continue
            if len(values) >= 5:
                values = values[1:-1]
            total += Fraction(aspect.max_mark) * sum(values) / len(values) / aspect.scale_max
        hundredths = math.floor(total * 100 + Fraction(1, 2))  # half up, totals are never negative
        totals[entry.code] = f"{hundredths // 100}.{hundredths % 100:02d}"
    return totals


def submit_every_sheet_over_http(host: str, kit: Kit, tokens: dict[int, str]) -> None:
    """Each free judge submits each entry's sheet through the server, as their phone does. Blind judging
    (docs/SCORING.md): an entry's figures reach the public board only once its whole panel has submitted."""
    for entry in kit.entries:
        for judge in kit.free_judges(entry):
            answer = requests.post(f"http://{host}/api/v1/judging/entries/{entry.id}/submit",
                                   headers={"Authorization": f"Bearer {tokens[judge.id]}"}, timeout=30)
            assert answer.status_code in (200, 201), answer.text
