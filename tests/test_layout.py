"""The tree is what docs/ARCHITECTURE.md says it is: every top-level package of the project is in the
module map (and nothing in the map is missing), `.importlinter` layers them in the map's order, and every
router is mounted at the prefix the URL table gives it."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "ARCHITECTURE.md").read_text(encoding="utf-8")
NOT_LAYERS = {"tests", "bench", "tools", "docs", "clients"}


def section(name: str) -> list[list[str]]:
    body = DOC.split(f"<!-- {name} -->", 1)[1].split(f"<!-- /{name} -->", 1)[0]
    rows = [line for line in body.strip().splitlines() if line.startswith("|")][2:]
    return [[cell.strip() for cell in re.split(r"(?<!\\)\|", row)[1:-1]] for row in rows]


def mapped_layers() -> list[set[str]]:
    return [set(re.findall(r"`([a-z_]+)`", row[1])) for row in section("module-map")]


def test_every_package_is_on_the_map_and_the_map_is_the_tree():
    packages = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()} - NOT_LAYERS
    on_map = set().union(*mapped_layers())
    assert packages == on_map, {"not on the map": packages - on_map, "not in the tree": on_map - packages}


def test_the_import_contract_layers_them_in_the_maps_order():
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    layers = [set(part.strip() for part in line.split("|"))
              for line in config["importlinter:contract:layers"]["layers"].strip().splitlines()]
    assert layers == mapped_layers()


def test_each_prefix_is_mounted_by_the_router_the_table_names():
    """A row's first cell is the prefix its router is mounted at, or a path under a prefix that another app
    owns (`/standards/{id}/implementation`): then every operation of that router lies at that path."""
    from backend.api import ROUTES

    mounted = {f"{router_module(router)}.{name_of(router)}": (prefix, router) for prefix, router in ROUTES}
    documented = {row[2].strip("`"): row[0].strip("`") for row in section("url-owners")}
    assert set(mounted) == set(documented)
    for name, (prefix, router) in mounted.items():
        row = documented[name]
        if row == prefix:
            continue
        assert row.startswith(prefix + "/"), (name, row, prefix)
        paths = {prefix + re.sub(r"\{(?:\w+:)?\w+\}", "{id}", path) for path in router.path_operations}
        assert paths == {row}, (name, paths)


def router_module(router) -> str:
    view = next(iter(router.path_operations.values())).operations[0].view_func
    return view.__module__


def name_of(router) -> str:
    import sys

    module = sys.modules[router_module(router)]
    return next(name for name, value in vars(module).items() if value is router)
