"""The page behind a printed QR (`PUBLIC_BASE_URL/q/<code>`).

Inside WeChat, a QR link registered for the mini-program ("扫普通链接二维码打开小程序") opens the
mini-program directly and this page is never shown. Anyone scanning it with another app lands here
and is told to use WeChat; a revoked code says so. Nothing is logged here: only scans made in the
mini-program (GET /api/v1/scan/{code}) are evidence.
"""

from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html

from . import scan_cache

PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>实训 · 扫码实操</title>
<style>body{{font-family:sans-serif;margin:2em;line-height:1.6;color:#222}}h1{{font-size:1.3em}}</style>
</head><body><h1>{title}</h1><p>{body}</p></body></html>"""


def qr_landing(request: HttpRequest, code: str) -> HttpResponse:
    resolved = scan_cache.resolve(code)
    if resolved is None:
        html = format_html(PAGE, title="二维码无效", body="未找到该二维码，请确认标签是否完整。")
        return HttpResponse(html, status=404)
    point = resolved["point"]
    if resolved["qr"]["revoked"]:
        html = format_html(PAGE, title="二维码已作废", body="该标签已更换，请扫描现场最新的标签。")
        return HttpResponse(html, status=410)
    html = format_html(PAGE, title=f"{point['name']}（{point['code']}）",
                       body="请使用微信“扫一扫”扫描此二维码，在“实训”小程序中按标准完成实操记录。")
    return HttpResponse(html)
