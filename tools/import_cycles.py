"""Fail when modules of the project import each other in a cycle, lazy imports inside functions included.

The layers contract (.importlinter) keeps apps in one direction; this keeps modules inside an app
acyclic too, so that no module needs a lazy import to dodge its neighbour. A cycle that is wanted must
be listed in ALLOWED with the docs/adr record that says why.

Usage: python tools/import_cycles.py [--root DIR]   (run by `make lint`; DIR defaults to the project)
"""

from __future__ import annotations

import configparser
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
ALLOWED: dict[frozenset[str], str] = {}  # frozenset of modules → "docs/adr/NNNN-….md"


def root_packages(root: Path) -> list[str]:
    config = configparser.ConfigParser()
    config.read(root / ".importlinter")
    return config["importlinter"]["root_packages"].split()


def cycles(graph) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for start in sorted(graph.modules):
        if start in index:
            continue
        work = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in graph.modules:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def main(argv: list[str]) -> int:
    root = Path(argv[argv.index("--root") + 1]).resolve() if "--root" in argv else ROOT
    sys.path.insert(0, str(root))
    graph = grimp.build_graph(*root_packages(root), include_external_packages=False, cache_dir=None)
    bad = [c for c in cycles(graph) if frozenset(c) not in ALLOWED]
    for component in bad:
        print("import cycle:", " ↔ ".join(component))
        for module in component:
            for other in component:
                if other != module and graph.direct_import_exists(importer=module, imported=other):
                    lines = graph.get_import_details(importer=module, imported=other)
                    where = ", ".join(f"line {d['line_number']}" for d in lines)
                    print(f"    {module} imports {other} ({where})")
    if bad:
        print(f"{len(bad)} import cycle(s); break them (or record why in docs/adr and list them in ALLOWED)")
        return 1
    print(f"no import cycles among {len(graph.modules)} modules")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
