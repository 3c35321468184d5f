"""The chat platforms `cloudai run` can serve, behind one contract, in one registry.

The runner (adapters/runner.py) only walks `PLATFORMS`: start each planned platform, post
digests through each, explain each one's start-up problems. Adding a platform is one class
here (and its adapter module), not an edit of the runner. Each platform loads its library
only when it is used, so `cloudai slack` never imports discord.py, nor the reverse.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Protocol

if TYPE_CHECKING:
    from adapters.runner import Plan
    from bot.conversation import Conversation
    from bot.delivery import Target
    from bot.health import Health
    from bot.live import LiveAssistant
    from bot.settings import Settings
    from bot.store import Store


@dataclass
class Launch:
    """What every platform is started with: one knowledge base and one conversation flow."""

    live: "LiveAssistant"
    settings: "Settings"
    plan: "Plan"
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
    name: str  # also the `Plan` field that says whether (and how) it is served

    def configured(self, settings: "Settings") -> bool:
        """Is its token set?"""

    def mode(self, settings: "Settings", http: bool | None) -> Any:
        """Its `Plan` value when configured (Slack: "socket" or "http"; Discord: True)."""

    def missing(self, settings: "Settings", http: bool | None) -> list[str]:
        """The variables it needs that are not set, each with where to find it."""

    async def start(self, launch: Launch) -> Running | None:
        """Connect and serve in the background; None after printing a problem a user can fix."""

    def digest_target(self, settings: "Settings", running: Running | None) -> "Target | None":
        """Where its digest goes, if a digest channel is set."""

    def problem(self, exc: BaseException) -> str | None:
        """One line for a failure while serving that a user can fix, else None."""


class SlackPlatform:
    name = "slack"

    def configured(self, settings: "Settings") -> bool:
        return settings.platforms()["slack"]

    def mode(self, settings: "Settings", http: bool | None) -> str:
        return "http" if http else settings.slack_mode

    def missing(self, settings: "Settings", http: bool | None) -> list[str]:
        from adapters import slack

        return slack.missing(settings, self.mode(settings, http))

    async def start(self, launch: Launch) -> Running | None:
        from adapters import slack

        adapter = await asyncio.to_thread(slack.connect, launch.live, launch.settings, launch.prog,
                                          launch.conversation.limiter, launch.store, launch.conversation)
        if adapter is None:
            return None
        mode = launch.plan.slack
        assert mode is not None  # an adapter is built only for a planned mode
        try:
            serving = await asyncio.to_thread(slack.serve, adapter, launch.settings, mode, launch.plan.port,
                                              launch.health)
        except Exception as exc:
            problem = slack.serve_problem(exc)
            if problem is None:
                raise
            print(f"{launch.prog}: {problem}", file=sys.stderr)
            return None
        return Running(stop=serving.stop, port=serving.port, serves_health=mode == "http")

    def digest_target(self, settings: "Settings", running: Running | None) -> "Target | None":
        if not settings.slack_digest_channel:
            return None
        from adapters.slack import digest_target

        return digest_target(settings, settings.slack_digest_channel)

    def problem(self, exc: BaseException) -> str | None:
        return None


class DiscordPlatform:
    name = "discord"

    def configured(self, settings: "Settings") -> bool:
        return settings.platforms()["discord"]

    def mode(self, settings: "Settings", http: bool | None) -> bool:
        return True

    def missing(self, settings: "Settings", http: bool | None) -> list[str]:
        from adapters import discord as discord_adapter

        return discord_adapter.missing(settings)

    async def start(self, launch: Launch) -> Running | None:
        from adapters import discord as discord_adapter

        bot = discord_adapter.DiscordAdapter(launch.live, launch.settings, limiter=launch.conversation.limiter,
                                             conversation=launch.conversation,
                                             **({"feedback": launch.store} if launch.store is not None else {}))
        return Running(task=asyncio.create_task(discord_adapter.serve(bot), name="discord"), client=bot.client)

    def digest_target(self, settings: "Settings", running: Running | None) -> "Target | None":
        if not settings.discord_digest_channel_id:
            return None
        from adapters.discord import digest_target

        return digest_target(settings, settings.discord_digest_channel_id,
                             running.client if running is not None else None)

    def problem(self, exc: BaseException) -> str | None:
        from adapters.discord import login_problem

        return login_problem(exc)


PLATFORMS: dict[str, Platform] = {}  # in start-up order


def register(platform: Platform) -> None:
    PLATFORMS[platform.name] = platform


register(SlackPlatform())
register(DiscordPlatform())
