"""Walking the demo from outside, as newcomers and the mini-program do: the typed client's committed types
are what the current code generates and type-check, its node test passes against a real demo server,
and `make tour` (tools/tour.py) walks every flow against the same server."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from .demo import demo_server
from .servers import ROOT

CLIENT = ROOT / "clients" / "miniprogram"
pytestmark = [pytest.mark.e2e, pytest.mark.serial]  # seeds a fresh demo: needs the CPU for its start-up


def npm(*args: str, timeout: float = 600, env: dict | None = None) -> subprocess.CompletedProcess:
    if shutil.which("npm") is None:
        pytest.fail("node and npm are needed for the mini-program client (Debian nodejs npm)")
    return subprocess.run(["npm", *args], cwd=CLIENT, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def node_modules():
    if not (CLIENT / "node_modules").is_dir():  # a clean clone (CI): install exactly the lock file
        done = npm("ci", "--no-audit", "--no-fund")
        assert done.returncode == 0, done.stdout + done.stderr


def test_the_committed_types_are_what_the_current_api_generates(node_modules, tmp_path):
    schemas, out = tmp_path / "schemas", tmp_path / "generated"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    subprocess.run([sys.executable, "tools/client_schemas.py", str(schemas)], cwd=ROOT, check=True, env=env)
    subprocess.run(["node", "scripts/generate.mjs", str(schemas), str(out)], cwd=CLIENT, check=True,
                   capture_output=True)
    for name in ("openapi.ts", "realtime.ts"):
        committed = (CLIENT / "src" / "generated" / name).read_text(encoding="utf-8")
        assert (out / name).read_text(encoding="utf-8") == committed, (
            f"clients/miniprogram/src/generated/{name} is stale: run `make client-types` and commit it")
    checked = npm("run", "check")
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    with demo_server(tmp_path_factory.mktemp("demo")) as base:
        yield base


def test_the_node_test_passes_against_the_demo(node_modules, demo):
    done = npm("test", env={"SHIXUN_BASE_URL": demo})
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
    assert "# fail 0" in done.stdout


def test_make_tour_walks_every_flow(demo):
    done = subprocess.run([sys.executable, "tools/tour.py", demo], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-3000:]
    for said in ("自动生成整改工单", "工单关闭（confirmed）", "榜单 websocket 收到更新", "锁定项目", "复核名单", "公布成绩（published）",
                 "提出申诉", "仲裁裁决申诉", "进度", "交卷", "并提交", "复算抽取结果：一致", "导览完成"):
        assert said in done.stdout, said
