"""The contract every chat platform `cloudai run` serves keeps, and the registry that lists them.

A platform is one adapter module (adapters/slack.py, adapters/discord.py) that defines a
`PLATFORM` object keeping the `Platform` contract: its name, its own settings model (a
pydantic-settings class read as a section of `Settings`: `settings.section(model)`), what its
settings need, how it starts serving, where its digest goes. The registry below names each
platform's module, in start-up order; the runner (adapters/runner.py), `cloudai run`, `cloudai
digest post`, `cloudai config` and the admin ids read it and name no platform themselves.
Adding a platform is one new module plus one line in `REGISTRY`.

A module is imported only when its platform is used (`platform(name)`), so `cloudai slack`
never imports discord.py, nor the reverse; `configured()` looks for the token variables the
registry line names (in the environment and the .env file) without importing the module. This
module imports no adapter module: the import graph of adapters/, bot/ and app/ has no cycle
(tests/test_import_graph.py).
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Protocol

if TYPE_CHECKING:
    import asyncio

    from pydantic_settings import BaseSettings

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
    settings_model: "type[BaseSettings]"  # its settings: `settings.section(settings_model)`; `cloudai config`
    digest_variable: str  # the variable naming its digest channel, in messages ("" if it posts no digest)

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
    """One registry line: the module defining the platform's `PLATFORM`, and the environment
    variables its token is read from (the names its settings model reads, the documented one
    first), so whether it is configured is known without importing the module; empty: import
    it and ask the platform."""

    module: str
    token_env: tuple[str, ...] = ()
    summary: str = ""  # `cloudai NAME`'s help line (default: "run the NAME bot")
    http: str = ""  # what `cloudai NAME --http` does, if it has an HTTP mode (its --http and --port options)


# The registry, in start-up order: adding a platform is a module plus a line here (or `register`).
REGISTRY: dict[str, Entry] = {
    "slack": Entry("adapters.slack", token_env=("SLACK_BOT_TOKEN", "CLOUDAI_SLACK_BOT_TOKEN"),
                   summary="run the Slack bot (Socket Mode, or HTTP with --http)",
                   http="Slack over HTTP (POST /slack/events on PORT) instead of Socket Mode"),
    "discord": Entry("adapters.discord", token_env=("DISCORD_TOKEN", "CLOUDAI_DISCORD_TOKEN"),
                     summary="run the Discord bot"),
}
_loaded: dict[str, Platform] = {}


def register(name: str, module: str, token_env: tuple[str, ...] = (), summary: str = "", http: str = "") -> None:
    """Add (or replace) a platform: `module` defines `PLATFORM`, whose `name` is `name`."""
    REGISTRY[name] = Entry(module, tuple(token_env), summary, http)
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
    """The registered platforms whose token is set, in start-up order. A platform whose module
    is loaded already (or that names no token variables) is asked, so a section given to
    `settings` counts; otherwise its token variables are looked up, importing nothing."""
    return [name for name, entry in REGISTRY.items()
            if (platform(name).configured(settings) if name in _loaded or entry.module in sys.modules
                or not entry.token_env else settings.is_set(*entry.token_env))]


def sections(settings: "Settings") -> "list[tuple[str, BaseSettings]]":
    """Each registered platform's settings section, in start-up order (imports every platform
    module): what `cloudai config` prints after the core settings."""
    return [(name, settings.section(platform(name).settings_model)) for name in REGISTRY]
