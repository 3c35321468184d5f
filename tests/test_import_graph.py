"""The import graph of bot/ and adapters/: no cycle, and the core never reaches the adapters.

The graph is built from every import statement in the source (module level, in functions,
under TYPE_CHECKING), so a cycle hidden behind a function-level import counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

from .conftest import ROOT

PACKAGES = ("bot", "adapters")
ENTRY_POINT = "bot.cli"  # `cloudai` (pyproject's [project.scripts]): it starts the platforms, so it reaches the runner


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, modules: set[str]) -> set[str]:
    """The bot/ and adapters/ modules `path` imports anywhere in its source."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            # `from adapters import slack` imports adapters.slack; `from bot.x import y` imports bot.x
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def graph() -> dict[str, set[str]]:
    paths = [p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))]
    modules = {module_name(p) for p in paths}
    return {module_name(p): imports(p, modules) for p in paths}


def cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle (its modules, the first repeated at the end), or None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(edges):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_graph_is_read_from_every_kind_of_import() -> None:
    edges = graph()
    assert "bot.admins" in edges["bot.settings"]  # a function-level `from .admins import Admins`
    assert "adapters.platforms" in edges["adapters.runner"] and "bot.settings" in edges["adapters.runner"]
    assert "adapters.platforms" in edges["adapters.slack"] and "adapters.platforms" in edges["adapters.discord"]
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_bot_and_adapters_import_each_other_without_a_cycle() -> None:
    assert cycle(graph()) is None


def test_no_adapter_module_imports_the_runner_and_the_registry_imports_no_platform() -> None:
    edges = graph()
    assert [m for m, targets in edges.items() if "adapters.runner" in targets] == [ENTRY_POINT]
    assert {t for t in edges["adapters.platforms"] if t.startswith("adapters.")} == set()


def test_only_the_entry_point_reaches_adapters_from_bot() -> None:
    """bot/ is the platform-free core: only `cloudai`'s entry point starts the runner, from inside
    the service commands (so `cloudai ask` imports no adapter), and it names the registry and the
    runner only, never an adapter module."""
    edges = graph()
    reaching = {m: {t for t in targets if t.startswith("adapters")} for m, targets in edges.items()
                if m.startswith("bot.")}
    assert {m for m, targets in reaching.items() if targets} == {ENTRY_POINT}
    assert reaching[ENTRY_POINT] <= {"adapters.runner", "adapters.platforms"}
    module_level = ast.parse((ROOT / "bot" / "cli.py").read_text(encoding="utf-8")).body
    assert not [n for n in module_level if isinstance(n, ast.ImportFrom) and (n.module or "").startswith("adapters")
                or isinstance(n, ast.Import) and any(a.name.startswith("adapters") for a in n.names)]
