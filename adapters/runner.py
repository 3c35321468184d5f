"""`cloudai run`: every configured platform in one process, sharing one loaded knowledge base.

A platform is configured when its bot token is set (SLACK_BOT_TOKEN, DISCORD_TOKEN).
Slack's Bolt app is synchronous and serves from its own threads (Socket Mode or the HTTP
server); Discord and the process's lifetime belong to the asyncio loop.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import signal
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from bot.assistant import Assistant
from bot.ratelimit import QuestionLimiter

if TYPE_CHECKING:
    import discord as discord_lib

    from adapters.discord import DiscordSettings
    from adapters.slack import SlackSettings
    from bot.delivery import Target
    from bot.settings import CoreSettings
    from bot.store import Store

log = logging.getLogger("cloudai.run")
PROG = "cloudai run"


@dataclass
class SlackPlan:
    settings: "SlackSettings"
    mode: str
    port: int | None = None


def configured() -> dict[str, bool]:
    """Which platforms have a bot token, from the environment or `.env`."""
    from pydantic_settings import BaseSettings, SettingsConfigDict

    class _Tokens(BaseSettings):
        model_config = SettingsConfigDict(env_file=".env", extra="ignore")
        slack_bot_token: str = ""
        discord_token: str = ""

    tokens = _Tokens()
    return {"slack": bool(tokens.slack_bot_token.strip()), "discord": bool(tokens.discord_token.strip())}


def digest_targets(core: "CoreSettings", slack_settings: "SlackSettings | None",
                   discord_settings: "DiscordSettings | None",
                   discord_client: "discord_lib.Client | None" = None) -> list["Target"]:
    """A target per platform that has both a token and a digest channel."""
    targets = []
    if slack_settings is not None and core.slack_digest_channel:
        from adapters.slack import digest_target

        targets.append(digest_target(slack_settings, core.slack_digest_channel))
    if discord_settings is not None and core.discord_digest_channel_id:
        from adapters.discord import digest_target as discord_digest_target

        targets.append(discord_digest_target(discord_settings, core.discord_digest_channel_id, discord_client))
    return targets


def configured_targets(core: "CoreSettings") -> list["Target"]:
    """Digest targets for `cloudai digest post`: from the tokens and channels in the environment."""
    from pydantic import ValidationError

    from adapters.discord import DiscordSettings
    from adapters.slack import SlackSettings
    from bot.settings import describe

    platforms = configured()
    chosen: dict[str, object] = {}
    for platform, model in (("slack", SlackSettings), ("discord", DiscordSettings)):
        if platforms[platform]:
            try:
                chosen[platform] = model()
            except ValidationError as exc:
                raise ValueError(describe(exc, model)) from None
    return digest_targets(core, chosen.get("slack"), chosen.get("discord"))  # type: ignore[arg-type]


async def serve_all(assistant: Assistant, *, slack_plan: SlackPlan | None = None,
                    discord_settings: "DiscordSettings | None" = None, limiter: QuestionLimiter | None = None,
                    core: "CoreSettings | None" = None, store: "Store | None" = None,
                    stopping: asyncio.Event | None = None,
                    on_slack: Callable[[int | None], None] | None = None, prog: str = PROG) -> int:
    """Run the given platforms, and the digest scheduler when `core` names digest channels and
    a `store` is given, until `stopping` is set or a platform fails; 0, or 2 after printing a
    start-up problem a user can fix (a rejected token)."""
    stopping = stopping or asyncio.Event()
    stops: list[Callable[[], None]] = []
    tasks: list[asyncio.Task[None]] = []
    discord_client = None
    try:
        if slack_plan is not None:
            from adapters import slack

            adapter = await asyncio.to_thread(slack.connect, assistant, slack_plan.settings, prog, store, limiter)
            if adapter is None:
                return 2
            serving = slack.serve(adapter, slack_plan.settings, slack_plan.mode, slack_plan.port, block=False)
            stops.append(serving.stop)
            if on_slack is not None:
                on_slack(serving.port)
        if discord_settings is not None:
            from adapters import discord as discord_adapter

            bot = discord_adapter.DiscordAdapter(assistant, discord_settings, limiter=limiter,
                                                 **({"feedback": store} if store is not None else {}))
            discord_client = bot.client
            tasks.append(asyncio.create_task(discord_adapter.serve(bot), name="discord"))
        if core is not None and store is not None:
            targets = digest_targets(core, slack_plan.settings if slack_plan else None, discord_settings,
                                     discord_client)
            if targets:
                from bot.delivery import DigestScheduler, DigestService

                scheduler = DigestScheduler(DigestService(lambda: assistant, store, core, targets))
                scheduler.start()
                stops.append(scheduler.stop)
        tasks.append(asyncio.create_task(stopping.wait(), name="stopping"))
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            exc = task.exception()
            if exc is not None:
                from adapters.discord import login_problem

                problem = login_problem(exc)
                if problem is None:
                    raise exc
                print(f"{prog}: {problem}", file=sys.stderr)
                return 2
        return 0
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for stop in stops:
            stop()


def run_all(assistant_factory: Callable[[], Assistant], http: bool | None = None, port: int | None = None) -> int:
    platforms = configured()
    if not any(platforms.values()):
        print(f"{PROG}: no platform is configured; set SLACK_BOT_TOKEN (Slack) and/or DISCORD_TOKEN (Discord) "
              "in the environment or .env (see config/example.env)", file=sys.stderr)
        return 2
    slack_plan = discord_settings = None
    if platforms["slack"]:
        from adapters import slack

        loaded = slack.load_settings(http, prog=PROG)
        if loaded is None:
            return 2
        slack_plan = SlackPlan(loaded[0], loaded[1], port)
    if platforms["discord"]:
        from adapters import discord as discord_adapter

        discord_settings = discord_adapter.load_settings(prog=PROG)
        if discord_settings is None:
            return 2
    return run_platforms(assistant_factory, slack_plan, discord_settings)


def run_platforms(assistant_factory: Callable[[], Assistant], slack_plan: SlackPlan | None,
                  discord_settings: "DiscordSettings | None", prog: str = PROG) -> int:
    """Read the core settings, open the store, load the knowledge and serve until stopped."""
    from bot.settings import load_core_settings
    from bot.store import Store

    try:
        core = load_core_settings()
    except ValueError as exc:
        print(f"{prog}: invalid settings: {exc}", file=sys.stderr)
        return 2
    store = Store(core.database_url, claim_timeout=dt.timedelta(seconds=core.digest_claim_timeout))
    log.info("state store: %s", store.safe_url)
    assistant = assistant_factory()

    async def main() -> int:
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stopping.set)
        code = await serve_all(assistant, slack_plan=slack_plan, discord_settings=discord_settings,
                               limiter=core.limiter(), core=core, store=store, stopping=stopping, prog=prog)
        if stopping.is_set():
            log.info("stopped on a signal: answers in flight were finished, the store is closed")
        return code

    try:
        return asyncio.run(main())
    except KeyboardInterrupt:
        return 0
    finally:
        store.close()
