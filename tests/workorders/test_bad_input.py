"""Whatever a broken or hostile client sends to the practice-point endpoints: a 4xx envelope, never a 500.

Deterministic random bodies (seeded) built from awkward values; the full schema-driven fuzzing is the
production-proof issue's (schemathesis)."""

import random

from tests.conftest import CJK

AWKWARD = [None, 0, -1, 2**63, 1.5, 1e308, "", "x", "\u0000", "中文", [], [1], {}, {"a": 1}, True, "2026-13-45",
           "pass", "9" * 500]
RAW_BODIES = [b"", b"{", b"[]", b"null", b'"x"', b'{"a":']


def assert_clean_error(response, context):
    assert response.status_code < 500, (context, response.status_code, response.content[:300])
    if response.status_code >= 400:
        body = response.json()
        assert {"code", "message", "detail"} <= set(body) and CJK.search(body["message"]), (context, body)


def test_random_bodies_never_cause_a_server_error(practice):
    worker, leader = practice.client(practice.worker), practice.client(practice.leader)
    run_id = practice.start(worker).json()["id"]
    rnd = random.Random(20261127)
    endpoints = {
        "runs": (worker, ["client_id", "point_code", "procedure_version_id", "started_at", "scan_id", "scan"]),
        f"runs/{run_id}/steps": (worker, ["client_id", "step_id", "value", "note", "photo_ids", "recorded_at"]),
        f"runs/{run_id}/corrections": (worker, ["client_id", "step_id", "value", "reason", "photo_ids"]),
        f"runs/{run_id}/complete": (worker, ["completed_at"]),
        f"runs/{run_id}/review": (leader, ["decision", "comment", "client_id"]),
        f"points/{practice.point.pk}/rotate-code": (leader, ["reason"]),
        "sync": (worker, ["runs"]),
    }
    item_fields = ["client_id", "point_code", "procedure_version_id", "started_at", "steps", "completed_at", "scan"]
    for path, (client, fields) in endpoints.items():
        for _ in range(40):
            body = {name: rnd.choice(AWKWARD) for name in fields if rnd.random() < 0.8}
            if path == "sync" and rnd.random() < 0.5:
                body = {"runs": [{name: rnd.choice(AWKWARD) for name in item_fields} for _ in range(2)]}
            assert_clean_error(client.post(path, body), (path, body))
        for raw in RAW_BODIES:
            assert_clean_error(client.raw("POST", path, raw), (path, raw))


def test_odd_query_strings_never_cause_a_server_error(practice):
    leader = practice.client(practice.leader)
    for params in [{"mine": "x"}, {"point": "x"}, {"date_from": "x"}, {"offset": -1}, {"limit": 0},
                   {"studio": 2**70}, {"verdict": "\u0000"}]:
        assert_clean_error(leader.get("runs", params), params)
    for path in ["runs/999999999999999999999", "points/labels.pdf?ids=99999999999999999999",
                 "points?studio=999999999999999999999", "scan/x?latitude=nan&longitude=1",
                 "scan/x?accuracy=inf&latitude=1&longitude=1", "standards?category=%00", "standards?level=x"]:
        assert_clean_error(leader.get(path), path)
