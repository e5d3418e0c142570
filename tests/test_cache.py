"""The Redis cache shares one connection pool per process, whichever thread (ASGI request) asks."""

import threading

import pytest


@pytest.mark.redis
def test_threads_share_one_redis_client_and_connections_do_not_pile_up(redis_url):
    import redis
    from django.core.cache import cache

    clients, errors = [], []

    def use_cache(n):
        try:
            cache.set(f"shared-pool-{n}", n, 30)
            assert cache.get(f"shared-pool-{n}") == n
            clients.append(id(cache.redis()))
        except Exception as exc:  # surfaced below
            errors.append(exc)

    use_cache(0)
    admin = redis.Redis.from_url(redis_url)
    before = len(admin.client_list())
    for n in range(1, 21):  # every request of an ASGI server runs in a new thread
        thread = threading.Thread(target=use_cache, args=(n,))
        thread.start()
        thread.join()
    assert not errors
    assert len(set(clients)) == 1
    assert len(admin.client_list()) <= before + 1
    admin.close()
