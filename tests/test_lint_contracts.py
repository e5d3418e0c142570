"""`make lint` must fail on the mistakes it exists for: an import against the layers and an import
cycle. Both are planted in a copy of the tree (the real tree stays untouched)."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    copy = tmp_path_factory.mktemp("tree")
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    for package in config["importlinter"]["root_packages"].split():
        shutil.copytree(ROOT / package, copy / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / ".importlinter", copy / ".importlinter")
    return copy


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={"PATH": str(BIN), "PYTHONPATH": str(cwd)})


def test_the_real_tree_keeps_its_contracts_and_has_no_cycles():
    assert run([str(BIN / "lint-imports"), "--no-cache"], ROOT).returncode == 0
    assert run([sys.executable, str(ROOT / "tools/import_cycles.py")], ROOT).returncode == 0


def test_an_import_against_the_layers_fails(tree: Path):
    target = tree / "practice" / "selectors.py"
    original = target.read_text()
    try:
        target.write_text(original + "\n\ndef _planted():\n    from workorders.models import WorkOrder  # noqa\n")
        result = run([str(BIN / "lint-imports"), "--no-cache"], tree)
    finally:
        target.write_text(original)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout and "practice.selectors -> workorders.models" in result.stdout


def test_an_import_cycle_inside_an_app_fails(tree: Path):
    target = tree / "standards" / "models.py"
    original = target.read_text()
    try:
        target.write_text(original + "\n\ndef _planted():\n    from .scan_cache import resolve  # noqa\n")
        result = run([sys.executable, str(ROOT / "tools/import_cycles.py"), "--root", str(tree)], tree)
    finally:
        target.write_text(original)
    assert result.returncode == 1
    assert "standards.models" in result.stdout and "standards.scan_cache" in result.stdout
