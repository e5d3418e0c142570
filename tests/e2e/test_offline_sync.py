"""Offline sync through two real server processes: a batch of 200 runs (with their steps) sent three
times, in different parts, two of them concurrently over two connections to different processes: each
run and each step exists exactly once, and every item was reported created exactly once."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from accounts.services import issue_token
from practice.models import ProcedureRun, StepRecord
from tests.practice import Practice, new_id

from .servers import free_port, live_database_url, server_env, start_uvicorn, stop

pytestmark = pytest.mark.e2e


def offline_batch(practice: Practice, count: int) -> list[dict]:
    now = timezone.now()
    values = {1: "pass", 2: 7.2, 3: "normal", 4: 12345.6}
    batch = []
    for n in range(count):
        started = now - timedelta(hours=6) + timedelta(minutes=n)
        batch.append({
            "client_id": new_id(), "point_code": practice.code, "procedure_version_id": practice.version.pk,
            "started_at": started.isoformat(),
            "steps": [{"client_id": new_id(), "step_id": practice.step(p).pk, "value": v,
                       "recorded_at": (started + timedelta(seconds=p)).isoformat()} for p, v in values.items()],
        })
    return batch


def test_two_hundred_runs_sent_three_times_in_parts_concurrently(org, make_user, api, postgres, settings):
    practice = Practice(org, make_user, api)
    token, _ = issue_token(user=practice.worker)
    env = server_env(DATABASE_URL=live_database_url(), LOG_LEVEL="WARNING")
    procs = [start_uvicorn(port, env) for port in (free_port(), free_port())]
    hosts = [f"127.0.0.1:{proc.args[proc.args.index('--port') + 1]}" for proc in procs]
    batch = offline_batch(practice, 200)
    created = Counter()

    def send(host, parts):
        results = []
        with requests.Session() as session:
            for part in parts:
                response = session.post(f"http://{host}/api/v1/sync", json={"runs": part}, timeout=120,
                                        headers={"Authorization": f"Bearer {token}"})
                assert response.status_code == 200, response.text
                results += response.json()["results"]
        return results

    try:
        with ThreadPoolExecutor(2) as pool:
            first = pool.submit(send, hosts[0], [batch[:100], batch[100:]])
            second = pool.submit(send, hosts[1], [batch[150:], batch[:50], batch[50:150]])
            rounds = [first.result(), second.result()]
        rounds.append(send(hosts[0], [batch]))  # and once more, whole
    finally:
        for proc in procs:
            stop(proc)

    for results in rounds:
        assert len(results) == 200
        for result in results:
            assert result["status"] in {"created", "already_had"}, result
            created[result["client_id"]] += result["status"] == "created"
            for step in result["steps"]:
                assert step["status"] in {"created", "already_had"}, step
                created[step["client_id"]] += step["status"] == "created"
    assert len(created) == 200 * 5 and set(created.values()) == {1}  # each item created exactly once
    runs = ProcedureRun.objects.filter(performer=practice.worker)
    assert runs.count() == 200
    assert StepRecord.objects.filter(run__in=runs).count() == 800
    assert sorted(runs.values_list("client_id", flat=True)) == sorted(item["client_id"] for item in batch)
