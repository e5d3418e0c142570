"""Every error under /api/v1 is JSON {"code", "message", "detail"} with the right status."""

from tests.conftest import assert_error


def test_unknown_route_is_json_404(api):
    assert_error(api.get("no/such/thing"), 404, "not_found")
    assert_error(api.get("/api/v1/"), 404, "not_found")


def test_wrong_method_is_json_405(api):
    body = assert_error(api.get("auth/wechat-login"), 405, "method_not_allowed")
    assert "POST" in (body["detail"] or {}).get("allow", "")


def test_malformed_json_is_400(api):
    response = api.raw("POST", "auth/wechat-login", b"{not json")
    assert_error(response, 400, "malformed_json")


def test_validation_error_names_the_field(api):
    body = assert_error(api.post("auth/wechat-login", {"code": ""}), 422, "validation_error")
    assert body["detail"] == [{"field": "code", "type": "string_too_short", "message": "内容过短（至少 1 项/字）"}]
    assert "code" in body["message"]


def test_too_large_body_is_413(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api.post("auth/wechat-login", {"code": "x" * 5000})
    assert_error(response, 413, "payload_too_large")


def test_openapi_and_docs_are_served(api):
    spec = api.get("openapi.json")
    assert spec.status_code == 200
    paths = spec.json()["paths"]
    assert "/api/v1/auth/wechat-login" in paths and "/api/v1/me" in paths
    docs = api.get("docs")
    assert docs.status_code == 200 and b"openapi.json" in docs.content
