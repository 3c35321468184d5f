"""The import graph of bot/, adapters/ and app/: no cycle, the core (bot/) never reaches the
adapters or the app, and only the app (the `cloudai` command) wires them together.

The graph is built from every import statement in the source (module level, in functions,
under TYPE_CHECKING), so a cycle hidden behind a function-level import counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

from .conftest import ROOT

PACKAGES = ("bot", "adapters", "app")
ENTRY_POINT = "app.cli"  # `cloudai` (pyproject's [project.scripts]): it starts the platforms, so it reaches the runner


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, modules: set[str]) -> set[str]:
    """The bot/, adapters/ and app/ modules `path` imports anywhere in its source."""
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


def test_bot_adapters_and_app_import_each_other_without_a_cycle() -> None:
    assert cycle(graph()) is None


def test_no_adapter_module_imports_the_runner_and_the_registry_imports_no_platform() -> None:
    edges = graph()
    assert [m for m, targets in edges.items() if "adapters.runner" in targets] == [ENTRY_POINT]
    assert {t for t in edges["adapters.platforms"] if t.startswith("adapters.")} == set()


def test_bot_imports_nothing_from_adapters_or_app() -> None:
    """bot/ is the platform-free core, with no exception: the `cloudai` entry point that wires
    the platforms lives in app/."""
    edges = graph()
    assert "bot.cli" not in edges and ENTRY_POINT in edges
    reaching = {m: sorted(t for t in targets if t.startswith(("adapters", "app"))) for m, targets in edges.items()
                if m.startswith("bot")}
    assert {m: targets for m, targets in reaching.items() if targets} == {}


def test_adapters_import_nothing_from_app() -> None:
    edges = graph()
    assert {m: targets for m, targets in edges.items()
            if m.startswith("adapters") and {t for t in targets if t.startswith("app")}} == {}


def test_the_entry_point_names_the_registry_and_the_runner_only_from_inside_its_commands() -> None:
    """`cloudai ask` imports no adapter: app.cli reaches adapters/ from inside the service
    commands, and never names an adapter module (a platform) itself."""
    edges = graph()
    assert {t for t in edges[ENTRY_POINT] if t.startswith("adapters")} <= {"adapters.runner", "adapters.platforms"}
    module_level = ast.parse((ROOT / "app" / "cli.py").read_text(encoding="utf-8")).body
    assert not [n for n in module_level if isinstance(n, ast.ImportFrom) and (n.module or "").startswith("adapters")
                or isinstance(n, ast.Import) and any(a.name.startswith("adapters") for a in n.names)]


def test_the_settings_admins_runner_and_command_name_no_platform() -> None:
    """Each platform's settings are its adapter's own model (a section of Settings), admin ids
    take the registered names as a parameter, and the runner and `cloudai` read the registry
    (adapters/platforms.py, which lists the platforms): none of these modules names one."""
    for path in (ROOT / "bot" / "settings.py", ROOT / "bot" / "admins.py", ROOT / "adapters" / "runner.py",
                 ROOT / "app" / "cli.py"):
        text = path.read_text(encoding="utf-8").lower()
        assert "slack" not in text and "discord" not in text, path
