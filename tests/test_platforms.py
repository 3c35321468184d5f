"""The platform registry (adapters/platforms.py): the runner serves whatever is registered."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from adapters import platforms
from adapters.platforms import Launch, Running
from adapters.runner import Plan, configured_plan, serve_all
from bot.assistant import Assistant
from bot.settings import Settings


class Recorder:
    """A platform that records what the runner asked of it; its task fails once started."""

    name = "discord"  # stands in for Discord (the Plan key it answers to)
    title = "Discord"

    def __init__(self) -> None:
        self.launch: Launch | None = None
        self.stopped = False

    def configured(self, settings: Settings) -> bool:
        return True

    def mode(self, settings: Settings, http: bool | None) -> bool:
        return True

    def missing(self, settings: Settings, http: bool | None) -> list[str]:
        return []

    async def start(self, launch: Launch) -> Running | None:
        self.launch = launch

        async def fail() -> None:
            raise ConnectionRefusedError("the platform said no")

        def stop() -> None:
            self.stopped = True

        return Running(stop=stop, task=asyncio.create_task(fail()))

    def digest_target(self, settings: Settings, running: Running | None) -> Any:
        return None

    def problem(self, exc: BaseException) -> str | None:
        return f"explained: {exc}"


def test_the_runner_starts_explains_and_stops_a_registered_platform(
        bundled: Assistant, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    recorder = Recorder()
    monkeypatch.setattr(platforms, "REGISTRY", {"discord": platforms.Entry(__name__)})
    monkeypatch.setattr(platforms, "_loaded", {"discord": recorder})
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert configured_plan(settings, None) == Plan({"discord": True})
    code = asyncio.run(serve_all(bundled, settings, Plan({"discord": True}), prog="cloudai test"))
    assert code == 2 and recorder.stopped
    assert capsys.readouterr().err.strip() == "cloudai test: explained: the platform said no"
    assert recorder.launch is not None and recorder.launch.conversation.live.current is bundled


def test_a_platform_reads_only_its_own_variable_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """Generic names (TOKEN, API_URL) in the environment are not a platform's settings: only
    the documented SLACK_…/DISCORD_… names and their CLOUDAI_ spellings are."""
    from adapters.discord import DiscordSettings
    from adapters.slack import SlackSettings

    for name, value in {"TOKEN": "t", "BOT_TOKEN": "b", "API_URL": "http://elsewhere.example"}.items():
        monkeypatch.setenv(name, value)
    slack, discord = SlackSettings(_env_file=None), DiscordSettings(_env_file=None)  # type: ignore[call-arg]
    assert (slack.bot_token, slack.api_url, discord.token, discord.api_url) == (None, None, None, None)
    monkeypatch.setenv("CLOUDAI_DISCORD_TOKEN", "d")
    monkeypatch.setenv("SLACK_API_URL", "http://slack.example/api/")
    assert DiscordSettings(_env_file=None).token is not None  # type: ignore[call-arg]
    assert SlackSettings(_env_file=None).api_url == "http://slack.example/api/"  # type: ignore[call-arg]
