"""QR labels: a PNG for one point, and A4 sheets (PDF) of 3 × 7 labels of 63.5 × 38.1 mm (the
common L7160 label stock) for many.

One renderer draws a label at any resolution; the PDF pastes labels onto A4 pages and stores them as
1-bit images (CCITT G4: crisp edges, small files), so what is printed is exactly what the PNG shows.
The Chinese point name needs a CJK font: Noto Sans CJK SC from the PyPI package `noto-cjk-sans-otc` (a
dependency, so no apt is needed), else Debian's fonts; see `LABEL_FONT_PATHS` and docs/adr/0060.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass
from functools import lru_cache

import qrcode
from django.conf import settings
from PIL import Image, ImageDraw, ImageFont

from miniprogram_api.errors import ApiError

LABEL_W_MM, LABEL_H_MM = 63.5, 38.1
COLUMNS, ROWS = 3, 7
PAGE_W_MM, PAGE_H_MM = 210.0, 297.0
COLUMN_PITCH_MM = 66.04  # 63.5 mm label + 2.54 mm gap
MARGIN_LEFT_MM = (PAGE_W_MM - (COLUMNS - 1) * COLUMN_PITCH_MM - LABEL_W_MM) / 2
MARGIN_TOP_MM = (PAGE_H_MM - ROWS * LABEL_H_MM) / 2
PER_PAGE = COLUMNS * ROWS
PNG_DPI = 300
PDF_DPI = 400


@dataclass(frozen=True)
class LabelData:
    name: str
    code: str  # the human code printed under the name, e.g. HVAC-01
    studio: str
    link: str  # what the QR encodes: PUBLIC_BASE_URL/q/<opaque code>


def font_missing() -> ApiError:
    return ApiError("label_font_missing", "服务器缺少中文字体（请安装依赖 noto-cjk-sans-otc 或设置 LABEL_FONT_PATHS），"
                                          "暂时无法生成标签", status=503)


def font_path() -> str:
    for path in settings.LABEL_FONT_PATHS:
        if os.path.exists(path):
            return path
    raise font_missing()


@lru_cache(maxsize=8)
def face_index(path: str) -> int:
    """In a font collection (.ttc: Noto Sans CJK holds JP, KR, SC, TC, HK), the Simplified Chinese face;
    index 0 would draw Japanese glyph forms."""
    if not path.lower().endswith((".ttc", ".otc")):
        return 0
    for index in range(16):
        try:
            family, _style = ImageFont.truetype(path, size=12, index=index).getname()
        except OSError:
            break
        if family and family.endswith((" SC", "SC")):
            return index
    return 0


@lru_cache(maxsize=64)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size=size, index=face_index(path))


def font(size: int) -> ImageFont.FreeTypeFont:
    try:
        return _font(font_path(), max(size, 6))
    except OSError:
        raise font_missing() from None


def _px(mm: float, dpi: int) -> int:
    return round(mm / 25.4 * dpi)


def qr_image(data: str, side: int) -> Image.Image:
    """A QR code scaled by whole pixels per module (no blurry edges), at most `side` pixels wide, with
    the 4-module quiet zone the QR standard asks for."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=1, border=4)
    qr.add_data(data)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    modules = len(matrix)
    small = Image.new("L", (modules, modules), 255)
    small.putdata([0 if cell else 255 for row in matrix for cell in row])
    scale = max(side // modules, 1)
    return small.resize((modules * scale, modules * scale), Image.Resampling.NEAREST)


_TOKENS = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/+-]*|\s+|.")


def wrap_text(text: str, face: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Break mixed Chinese and Latin text into lines: between any two Chinese characters, but never
    inside a Latin word or number ("DDC", "B1", "AHU-2"), unless that word alone is too wide."""
    lines, current = [], ""
    for token in _TOKENS.findall(text):
        if face.getlength(current + token) <= width or not current:
            current += token
        elif token.isspace():
            lines.append(current)
            current = ""
        else:
            lines.append(current.rstrip())
            current = token
        while face.getlength(current) > width and len(current) > 1:  # a single over-long word
            cut = len(current)
            while cut > 1 and face.getlength(current[:cut]) > width:
                cut -= 1
            lines.append(current[:cut])
            current = current[cut:]
    if current.strip():
        lines.append(current)
    return lines


def _fit_line(text: str, face: ImageFont.FreeTypeFont, width: int) -> str:
    if face.getlength(text) <= width:
        return text
    while text and face.getlength(text + "…") > width:
        text = text[:-1]
    return text + "…"


def render_label(data: LabelData, dpi: int = PNG_DPI) -> Image.Image:
    """One label, grayscale, `dpi` pixels per inch."""
    width, height = _px(LABEL_W_MM, dpi), _px(LABEL_H_MM, dpi)
    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    pad = _px(1.5, dpi)

    qr = qr_image(data.link, height - 2 * pad)
    image.paste(qr, (pad, (height - qr.height) // 2))

    left = pad + qr.width + _px(1.2, dpi)
    text_width = width - left - pad
    bottom = height - pad

    # The bottom lines first: a hint and the studio, small.
    hint_face = font(_px(2.0, dpi))
    hint = _fit_line("微信扫码 · 按标准实操", hint_face, text_width)
    hint_h = _px(2.0, dpi)
    draw.text((left, bottom - hint_h), hint, font=hint_face, fill=0, anchor="lt")
    studio_face = font(_px(2.3, dpi))
    studio_y = bottom - hint_h - _px(1.0, dpi) - _px(2.3, dpi)
    draw.text((left, studio_y), _fit_line(data.studio, studio_face, text_width), font=studio_face, fill=0,
              anchor="lt")

    # The human code, large, above them.
    code_size = _px(4.4, dpi)
    code_face = font(code_size)
    while code_face.getlength(data.code) > text_width and code_size > _px(2.4, dpi):
        code_size -= 1
        code_face = font(code_size)
    code_y = studio_y - _px(1.4, dpi) - code_size
    draw.text((left, code_y), data.code, font=code_face, fill=0, anchor="lt",
              stroke_width=max(dpi // 300, 1), stroke_fill=0)

    # The name fills the space from the top, shrinking until it fits.
    top = pad + _px(0.6, dpi)
    room = code_y - _px(1.4, dpi) - top
    size = _px(3.4, dpi)
    while True:
        face = font(size)
        lines = wrap_text(data.name, face, text_width)
        line_h = round(size * 1.22)
        if len(lines) * line_h <= room or size <= _px(2.2, dpi):
            break
        size -= max(dpi // 300, 1)
    max_lines = max(room // line_h, 1)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = _fit_line(lines[-1] + "…", face, text_width)
    for index, line in enumerate(lines):
        draw.text((left, top + index * line_h), line, font=face, fill=0, anchor="lt")
    return image


def label_png(data: LabelData) -> bytes:
    buffer = io.BytesIO()
    render_label(data, PNG_DPI).save(buffer, format="PNG", dpi=(PNG_DPI, PNG_DPI), optimize=True)
    return buffer.getvalue()


def labels_pdf(items: list[LabelData], dpi: int = PDF_DPI) -> bytes:
    """A4 pages of 3 × 7 labels, in the order given, as a PDF."""
    if not items:
        raise ValueError("no labels")
    page_size = (_px(PAGE_W_MM, dpi), _px(PAGE_H_MM, dpi))
    pages = []
    for start in range(0, len(items), PER_PAGE):
        page = Image.new("L", page_size, 255)
        for index, data in enumerate(items[start:start + PER_PAGE]):
            row, column = divmod(index, COLUMNS)
            x = _px(MARGIN_LEFT_MM + column * COLUMN_PITCH_MM, dpi)
            y = _px(MARGIN_TOP_MM + row * LABEL_H_MM, dpi)
            page.paste(render_label(data, dpi), (x, y))
        pages.append(page.convert("1", dither=Image.Dither.NONE))
    buffer = io.BytesIO()
    pages[0].save(buffer, format="PDF", resolution=dpi, save_all=True, append_images=pages[1:],
                  title="实操点二维码标签", author="Shixun 实训", creator="Shixun")
    return buffer.getvalue()
