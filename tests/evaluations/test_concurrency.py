"""One response per person even when two copies race (PostgreSQL: real concurrency): the completion's
unique constraint lets one win; the same client_id replays, another client_id is refused; never two answers."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from evaluations import services
from evaluations.models import Completion, Response
from miniprogram_api.errors import ApiError

from .kit import course_answers, new_id


@pytest.mark.parametrize("same_client_id", [True, False])
def test_two_copies_of_a_response_at_once_store_one(postgres, world, same_client_id):
    from django.db import connection

    survey = world.campaign()
    learner = world.learners[0]
    ids = [new_id()] * 2 if same_client_id else [new_id(), new_id()]
    barrier = threading.Barrier(2)

    def send(client_id):
        try:
            barrier.wait()
            receipt, created = services.submit_response(user=learner, campaign_id=survey["id"], client_id=client_id,
                                                        answers=course_answers(4))
            return "created" if created else "replayed"
        except ApiError as error:
            return error.code
        finally:
            connection.close()

    with ThreadPoolExecutor(2) as pool:
        outcomes = sorted(pool.map(send, ids))
    expected = ["created", "replayed"] if same_client_id else ["already_responded", "created"]
    assert outcomes == expected
    assert Completion.objects.count() == 1 and Response.objects.count() == 1
