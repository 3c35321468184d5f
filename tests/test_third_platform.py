"""A third platform, EchoChat, added in this one file and nowhere else: its settings (a
section of `Settings`), its `Platform` (the contract in adapters/platforms.py), a registry line
(`platforms.register`), and a stand-in for its chat service. The runner starts it like Slack and Discord, and a question pushed into the
service comes back answered by the shared `Conversation` (follow-ups, admin ids and all)."""

from __future__ import annotations

import asyncio
import os
import queue
from typing import Iterator

import pytest
from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from adapters import platforms
from adapters.platforms import Launch, Plan, Running
from adapters.runner import configured_plan, run_platform, serve_all
from bot.admins import Admins
from bot.assistant import Assistant
from bot.conversation import Incoming, Outcome
from bot.delivery import Target
from bot.live import LiveAssistant
from bot.settings import Settings, shown

TOKEN = "echo-secret"


class EchoChatService:
    """The chat service EchoChat connects to: people `say` things in a channel and `see` what
    the bot posts back (one line per message: the title, then the question as the bot read it)."""

    def __init__(self) -> None:
        self.inbox: queue.Queue[tuple[str, str] | None] = queue.Queue()  # (user, text); None hangs up
        self.outbox: queue.Queue[str] = queue.Queue()
        self.logins: list[str] = []

    def say(self, user: str, text: str) -> None:
        self.inbox.put((user, text))

    def see(self) -> str:
        return self.outbox.get(timeout=30)

    def hang_up(self) -> None:
        self.inbox.put(None)


SERVICE = EchoChatService()


def render(outcome: Outcome) -> str:
    if outcome.reply is None:
        return outcome.notice
    return f"{outcome.reply.title} | {outcome.reply.question}" if outcome.kind == "answer" else outcome.reply.title


class EchoChatSettings(BaseSettings):
    """EchoChat's own settings, read as a section of `Settings` (same environment and .env)."""

    model_config = SettingsConfigDict(env_prefix="CLOUDAI_ECHOCHAT_", extra="ignore", populate_by_name=True)

    token: SecretStr | None = Field(None, validation_alias=AliasChoices("ECHOCHAT_TOKEN", "token"))
    room: str = "general"  # CLOUDAI_ECHOCHAT_ROOM


class EchoChatPlatform:
    """EchoChat in the `Platform` contract; its settings (ECHOCHAT_TOKEN) are its own."""

    name = "echochat"
    title = "EchoChat"
    settings_model = EchoChatSettings
    digest_variable = ""  # EchoChat posts no digest

    def configured(self, settings: Settings) -> bool:
        return settings.section(EchoChatSettings).token is not None

    def mode(self, settings: Settings, http: bool | None) -> bool:
        return True

    def missing(self, settings: Settings, http: bool | None) -> list[str]:
        return [] if self.configured(settings) else ["ECHOCHAT_TOKEN: the bot token from EchoChat's admin page"]

    async def start(self, launch: Launch) -> Running | None:
        token = launch.settings.section(EchoChatSettings).token
        assert token is not None
        SERVICE.logins.append(token.get_secret_value())

        async def serve() -> None:
            while (message := await asyncio.to_thread(SERVICE.inbox.get)) is not None:
                user, text = message
                outcome = await asyncio.to_thread(launch.conversation.handle,
                                                  Incoming(self.name, user, "general", "general", text))
                SERVICE.outbox.put(render(outcome))

        return Running(task=asyncio.create_task(serve(), name=self.name))

    def digest_target(self, settings: Settings, running: Running | None) -> Target | None:
        return None

    def problem(self, exc: BaseException) -> str | None:
        return None


PLATFORM = EchoChatPlatform()


@pytest.fixture
def echochat(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> Iterator[EchoChatService]:
    """EchoChat registered (one line), configured, and the only platform with a token."""
    global SERVICE
    SERVICE = EchoChatService()
    monkeypatch.setattr(platforms, "REGISTRY", dict(platforms.REGISTRY))
    platforms.register("echochat", __name__, token_env=("ECHOCHAT_TOKEN",))
    for variable in [v for v in os.environ if v.startswith(("SLACK_", "DISCORD_", "CLOUDAI_"))]:
        monkeypatch.delenv(variable)
    monkeypatch.setenv("ECHOCHAT_TOKEN", TOKEN)
    monkeypatch.setenv("CLOUDAI_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CLOUDAI_RELOAD", "false")
    monkeypatch.chdir(str(tmp_path))  # no .env
    try:
        yield SERVICE
    finally:
        SERVICE.hang_up()
        platforms.unregister("echochat")


def test_the_runner_serves_a_registered_third_platform_through_the_conversation(
        bundled: Assistant, echochat: EchoChatService) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    plan = configured_plan(settings, None)
    assert plan == Plan({"echochat": True})  # found through the registry, beside unconfigured Slack and Discord
    live = LiveAssistant(bundled, Admins.parse("echochat:U7", platforms.names()))  # a name:id prefix for the new platform

    async def main() -> int:
        serving = asyncio.create_task(serve_all(live, settings, plan, prog="cloudai run"))
        try:
            echochat.say("U1", "best practices")
            assert await asyncio.to_thread(echochat.see) == (
                "Best Practices for Integrating AI with Cloud Computing | best practices")
            echochat.say("U1", "and in finance?")  # a follow-up in the same channel: the conversation remembers
            assert await asyncio.to_thread(echochat.see) == (
                "Best Practices for Integrating AI with Cloud Computing | best practices in finance")
            echochat.say("U1", "reload")
            assert await asyncio.to_thread(echochat.see) == "Not allowed"
            echochat.say("U7", "reload")
            assert await asyncio.to_thread(echochat.see) == "Knowledge reloaded"
        finally:
            echochat.hang_up()  # a failed assertion must not leave the platform's thread waiting forever
        return await asyncio.wait_for(serving, 30)

    assert asyncio.run(main()) == 0 and echochat.logins == [TOKEN]


def test_an_admin_id_pinned_to_an_unregistered_platform_is_refused(echochat: EchoChatService) -> None:
    assert Admins.parse("echochat:U7", platforms.names()).allows("echochat", "U7")
    with pytest.raises(ValueError, match="'teams:U2' is not a user id"):
        Admins.parse("U1, teams:U2", platforms.names())
    with pytest.raises(ValueError, match="CLOUDAI_ADMINS='echochat:U7'"):
        Admins.parse("echochat:U7", ["slack", "discord"])  # the names are a parameter: no state left behind


def test_its_settings_are_a_section_of_settings_and_configured_reads_its_token_variable(
        echochat: EchoChatService, monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    """`configured` reads the registry line's token variable (environment or .env) without the
    module; the section reads the same environment and .env as Settings; `cloudai config` lists it."""
    settings = Settings()
    assert platforms.configured(settings) == ["echochat"]
    section = settings.section(EchoChatSettings)
    assert section.token is not None and section.token.get_secret_value() == TOKEN
    assert settings.section(EchoChatSettings) is section  # read once
    assert dict(platforms.sections(settings))["echochat"] is section
    assert "ECHOCHAT_TOKEN=********" in shown(section) and "CLOUDAI_ECHOCHAT_ROOM=general" in shown(section)
    monkeypatch.delenv("ECHOCHAT_TOKEN")
    with open(os.path.join(str(tmp_path), ".env"), "w", encoding="utf-8") as env:
        env.write("ECHOCHAT_TOKEN=from-the-env-file\nCLOUDAI_ECHOCHAT_ROOM=random\n")
    from_file = Settings()
    assert from_file.is_set("ECHOCHAT_TOKEN") and not Settings(_env_file=None).is_set("ECHOCHAT_TOKEN")
    assert from_file.section(EchoChatSettings).room == "random"
    assert Settings(_env_file=None).section(EchoChatSettings).token is None  # the same env file as Settings


def test_cloudai_has_an_echochat_command_from_the_registry_line(echochat: EchoChatService) -> None:
    from app.cli import _parser

    args = _parser().parse_args(["echochat", "--log-format", "json"])
    assert args.command == "echochat" and not hasattr(args, "http")  # no HTTP mode registered


def test_cloudai_echochat_reads_its_own_settings_then_serves(
        bundled: Assistant, echochat: EchoChatService, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """`run_platform` is what `cloudai slack` and `cloudai discord` are: settings, store, serve."""
    monkeypatch.delenv("ECHOCHAT_TOKEN")
    assert run_platform("echochat", lambda _settings: bundled) == 2
    assert capsys.readouterr().err.splitlines()[:2] == [
        "cloudai echochat (EchoChat): missing settings; set them in the environment or .env:",
        "  ECHOCHAT_TOKEN: the bot token from EchoChat's admin page"]
    monkeypatch.setenv("ECHOCHAT_TOKEN", TOKEN)
    echochat.say("U1", "help")
    echochat.hang_up()  # the service closes the connection once it has answered
    assert run_platform("echochat", lambda _settings: bundled) == 0
    assert echochat.see() == "How to use cloudai" and echochat.logins == [TOKEN]
