"""Websocket frames from a running server, checked against the JSON Schema document that server publishes
(`/api/v1/realtime/schema.json`), not against this process's pydantic models: the e2e tests talk to
server subprocesses, and what a client relies on is the published document. The spectator helper and the
big-screen test check every frame they collect; an off-schema frame fails the test."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import jsonschema_rs
import requests


class PublishedFrames:
    def __init__(self, document: dict):
        self.validators = []
        for template, directions in document["x-sockets"].items():
            pattern = "^" + re.sub(r"\\\{\w+\\\}", r"[^/]+", re.escape(template)) + "$"
            self.validators.append((re.compile(pattern),
                                    jsonschema_rs.validator_for({**document, **directions["server"]})))
        self.checked = 0
        self.off_schema: list[str] = []

    @classmethod
    def of(cls, base_url: str) -> PublishedFrames:
        """The document the server at `base_url` (http://host:port) publishes."""
        response = requests.get(f"{base_url.rstrip('/')}/api/v1/realtime/schema.json", timeout=10)
        response.raise_for_status()
        return cls(response.json())

    def check(self, url_or_path: str, text: str | bytes) -> None:
        """Record (and return quietly) a frame the server sent on that socket; `assert_clean` fails later.
        Recording rather than raising: frames arrive in callbacks and tasks whose exceptions nobody sees."""
        path = urlsplit(url_or_path).path
        validator = next((v for pattern, v in self.validators if pattern.match(path)), None)
        if validator is None:
            self.off_schema.append(f"{path}: no socket is published at this path")
            return
        try:
            validator.validate(json.loads(text))
        except (ValueError, jsonschema_rs.ValidationError) as error:
            self.off_schema.append(f"{path}: {str(text)[:300]} — {error}")
        self.checked += 1

    def assert_clean(self, *, at_least: int = 1) -> None:
        assert not self.off_schema, "frames off the published schema:\n" + "\n".join(self.off_schema[:10])
        assert self.checked >= at_least, f"only {self.checked} frames checked"
