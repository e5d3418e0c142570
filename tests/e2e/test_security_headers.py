"""Production settings on a real server: security headers on every answer, HTTPS enforced behind the
proxy (health probes exempt), and no WeChat session key or token in any answer."""

import pytest
import requests

from .servers import free_port, live_database_url, server_env, start_uvicorn, stop

pytestmark = pytest.mark.e2e


def test_security_headers_and_https_redirect(transactional_db):
    port = free_port()
    server = start_uvicorn(port, server_env(DATABASE_URL=live_database_url(), SECURE_SSL_REDIRECT="1",
                                            LOG_LEVEL="ERROR"))
    base = f"http://127.0.0.1:{port}"
    try:
        plain = requests.get(f"{base}/api/v1/me", allow_redirects=False, timeout=5)
        assert plain.status_code == 301 and plain.headers["Location"].startswith("https://")
        assert requests.get(f"{base}/healthz", allow_redirects=False, timeout=5).status_code == 200

        secure = requests.get(f"{base}/api/v1/me", headers={"X-Forwarded-Proto": "https"}, timeout=5)
        assert secure.status_code == 401 and secure.json()["code"] == "unauthorized"
        headers = secure.headers
        assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    finally:
        stop(server)
