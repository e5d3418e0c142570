"""The one error type every layer raises, and the envelope the mini-program receives.

Services raise `ApiError` with a stable snake_case code and a Chinese message; the API turns it into
`{"code", "message", "detail"}` with the given status. Keeping the status on the error lets a service
say "this is a conflict" without knowing about HTTP responses.
"""

from typing import Any


class ApiError(Exception):
    status = 400

    def __init__(self, code: str, message: str, *, status: int | None = None, detail: Any = None,
                 headers: dict[str, str] | None = None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        if status is not None:
            self.status = status
        self.detail = detail
        self.headers = headers or {}

    def payload(self) -> dict:
        return {"code": self.code, "message": self.message, "detail": self.detail}


def not_found(what: str = "资源", code: str = "not_found") -> ApiError:
    return ApiError(code, f"{what}不存在或无权访问", status=404)


def forbidden(message: str = "没有权限执行此操作", code: str = "forbidden") -> ApiError:
    return ApiError(code, message, status=403)


def conflict(code: str, message: str, detail: Any = None) -> ApiError:
    return ApiError(code, message, status=409, detail=detail)


def unprocessable(code: str, message: str, detail: Any = None) -> ApiError:
    return ApiError(code, message, status=422, detail=detail)
