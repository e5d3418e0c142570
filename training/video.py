"""What an uploaded lesson file is, read from the file itself (docs/adr/0021).

Videos: only MP4 (an ISO base media file whose brand is not QuickTime's) with H.264 video and, if it has
sound, AAC audio — what WeChat's <video> plays everywhere. PyAV (the `av` wheel, which carries its own
FFmpeg libraries, so no Debian package is needed at run time) opens the file, names its codecs, gives its
duration and decodes a poster frame (about 10 % in, at most 5 s). Documents: PDF only, by its header.
Anything else is 415; a file over the configured size is 413.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

from miniprogram_api.errors import ApiError

MP4_BRANDS_REFUSED = {b"qt  "}  # QuickTime .mov: same container family, not an MP4


@dataclass(frozen=True)
class VideoInfo:
    duration_s: Decimal
    video_codec: str
    audio_codec: str
    width: int
    height: int
    poster_jpeg: bytes


def too_large(limit: int, size: int | None) -> ApiError:
    return ApiError("file_too_large", f"文件过大，不能超过 {limit / (1024 * 1024):g} MB", status=413,
                    detail={"max_bytes": limit, "size": size})


def not_mp4(reason: str, detail: dict | None = None) -> ApiError:
    return ApiError("video_type_not_allowed", f"只能上传 MP4 视频（H.264 视频、AAC 音频）：{reason}", status=415,
                    detail=detail)


def probe_video(path: str) -> VideoInfo:
    """Check an uploaded file and describe it, or raise 415 saying why it is not a playable MP4."""
    with open(path, "rb") as handle:
        head = handle.read(12)
    if len(head) < 12 or head[4:8] != b"ftyp":
        raise not_mp4("文件不是 MP4 格式")
    if head[8:12] in MP4_BRANDS_REFUSED:
        raise not_mp4("QuickTime（MOV）文件请先转换为 MP4", {"brand": head[8:12].decode("latin-1")})
    import av  # the wheel bundles FFmpeg; imported here so that importing the app stays cheap

    try:
        container = av.open(path)
    except (av.FFmpegError, OSError, ValueError):
        raise not_mp4("文件无法解析（可能已损坏或上传不完整）") from None
    with container:
        video = next(iter(container.streams.video), None)
        audio = next(iter(container.streams.audio), None)
        if video is None:
            raise not_mp4("文件中没有视频画面")
        video_codec = video.codec_context.name
        audio_codec = audio.codec_context.name if audio is not None else ""
        if video_codec != "h264":
            raise not_mp4(f"视频编码为 {video_codec}，应为 H.264", {"video_codec": video_codec})
        if audio is not None and audio_codec != "aac":
            raise not_mp4(f"音频编码为 {audio_codec}，应为 AAC", {"audio_codec": audio_codec})
        if container.duration:
            seconds = Decimal(container.duration) / Decimal(av.time_base)
        elif video.duration and video.time_base:
            seconds = Decimal(video.duration) * Decimal(video.time_base.numerator) / Decimal(video.time_base.denominator)
        else:
            raise not_mp4("无法读取视频时长")
        duration = seconds.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        if duration <= 0:
            raise not_mp4("视频时长为 0")
        poster = _poster(container, video, min(float(duration) * 0.1, 5.0))
        return VideoInfo(duration_s=duration, video_codec=video_codec, audio_codec=audio_codec,
                         width=video.codec_context.width, height=video.codec_context.height, poster_jpeg=poster)


def _poster(container, stream, at_seconds: float) -> bytes:
    """The first frame at or after `at_seconds` (else the first frame) as a JPEG."""
    import av

    chosen = None
    try:
        if at_seconds > 0 and stream.time_base:
            container.seek(int(at_seconds / stream.time_base), stream=stream, backward=True)
        for frame in container.decode(stream):
            chosen = frame
            if frame.time is None or frame.time >= at_seconds:
                break
    except av.FFmpegError:
        chosen = chosen  # keep what decoded before the error
    if chosen is None:
        raise not_mp4("视频画面无法解码")
    image = chosen.to_image()
    image.thumbnail((960, 960))
    out = io.BytesIO()
    image.convert("RGB").save(out, format="JPEG", quality=80, optimize=True)
    return out.getvalue()


def check_pdf(path: str) -> int | None:
    """A PDF by its header (the mini-program opens it with wx.openDocument); the page count if readable."""
    with open(path, "rb") as handle:
        head = handle.read(1024)
        if b"%PDF-" not in head[:1024]:
            raise ApiError("document_type_not_allowed", "只能上传 PDF 文档", status=415)
        handle.seek(0)
        data = handle.read(settings.TRAINING_DOCUMENT_MAX_BYTES)
    pages = data.count(b"/Type /Page") - data.count(b"/Type /Pages")
    pages += data.count(b"/Type/Page") - data.count(b"/Type/Pages")
    return pages if pages > 0 else None
