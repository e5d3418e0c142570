"""wrk (Debian `wrk`) as the load generator for throughput figures: C, epoll, a few µs per request of
client CPU, so the server is what gets measured. One connection per wrk thread (`-t N -c N`), so that
connection i can keep to URL i (one open run per phone, as in bench/load.py).

    from wrk import run
    run(["http://127.0.0.1:8000/api/v1/ping"], token="…", connections=16, seconds=5)
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlparse

SCRIPT = Path(__file__).resolve().parent / "wrk.lua"


def available() -> bool:
    return shutil.which("wrk") is not None


def run(urls: str | list[str], token: str = "", connections: int = 16, seconds: float = 5,
        body: str | None = None) -> dict:
    urls = [urls] if isinstance(urls, str) else urls
    first = urlparse(urls[0])
    paths = ",".join(urlparse(u).path + (f"?{urlparse(u).query}" if urlparse(u).query else "") for u in urls)
    argv = ["wrk", "-t", str(connections), "-c", str(connections), "-d", f"{max(1, round(seconds))}s", "--timeout", "10s",
            "-s", str(SCRIPT), f"{first.scheme}://{first.netloc}", "--", paths,
            "POST" if body is not None else "GET", token, body or ""]
    out = subprocess.run(argv, check=True, capture_output=True, text=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    result["rps"] = round(result["requests"] / result["seconds"], 1) if result["seconds"] else 0.0
    return result
