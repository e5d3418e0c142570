"""Write the two documents the mini-program's types are generated from: the OpenAPI document of
/api/v1 and the websocket JSON Schema (GET /api/v1/realtime/schema.json), both as the current code
produces them, with no server and no database (`make client-types` then runs the npm generators).

    python tools/client_schemas.py OUT_DIR   → OUT_DIR/openapi.json, OUT_DIR/realtime.json
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def documents() -> dict[str, dict]:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
    import django

    django.setup()
    from backend.api import api
    from backend.realtime_schema import document

    return {"openapi.json": api.get_openapi_schema(path_prefix="/api/v1"), "realtime.json": document()}


def write(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for name, doc in documents().items():
        plain = json.loads(json.dumps(doc, default=str))  # status codes as text keys, then a stable order
        (out / name).write_text(json.dumps(plain, ensure_ascii=False, indent=1, sort_keys=True) + "\n",
                                encoding="utf-8")


if __name__ == "__main__":
    write(Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "clients" / "miniprogram" / "schema"))
