"""The contract every chat platform `cloudai run` serves keeps, and the registry that lists them.

A platform is one adapter module (adapters/slack.py, adapters/discord.py) that defines a
`PLATFORM` object keeping the `Platform` contract: its name, what its settings need, how it
starts serving, where its digest goes. The registry below names each platform's module, in
start-up order; the runner (adapters/runner.py), `cloudai run`, `cloudai digest post` and the
admin ids read it and name no platform themselves. Adding a platform is one new module plus one
line in `REGISTRY`.

A module is imported only when its platform is used (`platform(name)`), so `cloudai slack`
never imports discord.py, nor the reverse; `configured()` reads the token setting the registry
line names without importing the module. This module imports no adapter module: the import
graph of adapters/ and bot/ has no cycle (tests/test_import_graph.py).
"""

from __future__ import annotations

import asyncio
import importlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Protocol

if TYPE_CHECKING:
    from bot.conversation import Conversation
    from bot.delivery import Target
    from bot.health import Health
    from bot.live import LiveAssistant
    from bot.settings import Settings
    from bot.store import Store


@dataclass
class Plan:
    """What one process serves: each platform's mode by its registered name (Slack: "socket"
    or "http"; Discord: True). A platform not in `modes` (or with a falsy mode) is not served."""

    modes: dict[str, Any] = field(default_factory=dict)
    port: int | None = None  # an HTTP port given on the command line (--port)

    def mode(self, name: str) -> Any:
        return self.modes.get(name)


@dataclass
class Launch:
    """What every platform is started with: one knowledge base and one conversation flow."""

    live: "LiveAssistant"
    settings: "Settings"
    plan: Plan
    conversation: "Conversation"
    store: "Store | None" = None
    health: "Health | None" = None
    prog: str = "cloudai run"


@dataclass
class Running:
    """A started platform: how to stop its threads, the task that ends if it fails, and what
    its digest target may reuse (a connected client)."""

    stop: Callable[[], None] | None = None
    task: "asyncio.Task[None] | None" = None
    port: int | None = None  # an HTTP port it serves on
    serves_health: bool = False  # /healthz and /metrics are on that port already
    client: Any = None


class Platform(Protocol):
    name: str  # its registry name: the `Plan` key, the `name:` prefix of an admin id
    title: str  # as users write it ("Slack"), in messages

    def configured(self, settings: "Settings") -> bool:
        """Is its token set?"""

    def mode(self, settings: "Settings", http: bool | None) -> Any:
        """Its `Plan` mode when configured (Slack: "socket" or "http"; Discord: True)."""

    def missing(self, settings: "Settings", http: bool | None) -> list[str]:
        """The variables it needs that are not set, each with where to find it."""

    async def start(self, launch: Launch) -> Running | None:
        """Connect and serve in the background; None after printing a problem a user can fix."""

    def digest_target(self, settings: "Settings", running: Running | None) -> "Target | None":
        """Where its digest goes, if a digest channel is set."""

    def problem(self, exc: BaseException) -> str | None:
        """One line for a failure while serving that a user can fix, else None."""


@dataclass(frozen=True)
class Entry:
    """One registry line: the module defining the platform's `PLATFORM`, and the `Settings`
    field holding its token (so whether it is configured is known without importing it; None:
    ask the platform)."""

    module: str
    token: str | None = None


# The registry, in start-up order: adding a platform is a module plus a line here (or `register`).
REGISTRY: dict[str, Entry] = {
    "slack": Entry("adapters.slack", token="slack_bot_token"),
    "discord": Entry("adapters.discord", token="discord_token"),
}
_loaded: dict[str, Platform] = {}


def register(name: str, module: str, token: str | None = None) -> None:
    """Add (or replace) a platform: `module` defines `PLATFORM`, whose `name` is `name`."""
    REGISTRY[name] = Entry(module, token)
    _loaded.pop(name, None)


def unregister(name: str) -> None:
    REGISTRY.pop(name, None)
    _loaded.pop(name, None)


def names() -> list[str]:
    """The registered platform names, in start-up order (no module is imported)."""
    return list(REGISTRY)


def platform(name: str) -> Platform:
    """The registered platform `name`, importing its module the first time; KeyError if unknown."""
    entry = REGISTRY[name]
    if name not in _loaded:
        found: Platform = importlib.import_module(entry.module).PLATFORM
        if found.name != name:
            raise ValueError(f"{entry.module}.PLATFORM is named {found.name!r}, registered as {name!r}")
        _loaded[name] = found
    return _loaded[name]


def configured(settings: "Settings") -> list[str]:
    """The registered platforms whose token is set, in start-up order; only the modules of
    platforms registered without a token setting are imported to ask."""
    return [name for name, entry in REGISTRY.items()
            if (_set(getattr(settings, entry.token, None)) if entry.token else platform(name).configured(settings))]


def _set(secret: Any) -> bool:
    value = secret.get_secret_value() if hasattr(secret, "get_secret_value") else secret
    return bool(value and str(value).strip())
