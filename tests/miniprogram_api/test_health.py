from tests.conftest import require_redis


def test_healthz(api):
    response = api.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_when_everything_is_up(api, settings):
    response = api.get("/readyz")
    assert response.status_code == 200
    checks = response.json()["checks"]
    assert checks["database"] == "ok"
    assert checks["redis"] == ("ok" if settings.REDIS_URL else "not_configured")


def test_readyz_with_redis_down_is_503(api, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    response = api.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "redis": "unavailable"}


def test_readyz_with_the_real_redis(api, settings):
    require_redis()
    assert api.get("/readyz").json()["checks"]["redis"] == "ok"
