"""`cloudai run`: every configured platform in one process, sharing one loaded knowledge base.

A platform is configured when its bot token is set (SLACK_BOT_TOKEN, DISCORD_TOKEN).
Slack's Bolt app is synchronous and serves from its own threads (Socket Mode or the HTTP
server); Discord and the process's lifetime belong to the asyncio loop.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from bot.assistant import Assistant
from bot.ratelimit import QuestionLimiter

if TYPE_CHECKING:
    from adapters.discord import DiscordSettings
    from adapters.slack import SlackSettings

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


async def serve_all(assistant: Assistant, *, slack_plan: SlackPlan | None = None,
                    discord_settings: "DiscordSettings | None" = None, limiter: QuestionLimiter | None = None,
                    stopping: asyncio.Event | None = None,
                    on_slack: Callable[[int | None], None] | None = None, prog: str = PROG) -> int:
    """Run the given platforms until `stopping` is set or one of them fails; 0, or 2 after
    printing a start-up problem a user can fix (a rejected token)."""
    stopping = stopping or asyncio.Event()
    stops: list[Callable[[], None]] = []
    tasks: list[asyncio.Task[None]] = []
    try:
        if slack_plan is not None:
            from adapters import slack

            adapter = await asyncio.to_thread(slack.connect, assistant, slack_plan.settings, prog, None, limiter)
            if adapter is None:
                return 2
            serving = slack.serve(adapter, slack_plan.settings, slack_plan.mode, slack_plan.port, block=False)
            stops.append(serving.stop)
            if on_slack is not None:
                on_slack(serving.port)
        if discord_settings is not None:
            from adapters import discord as discord_adapter

            bot = discord_adapter.DiscordAdapter(assistant, discord_settings, limiter=limiter)
            tasks.append(asyncio.create_task(discord_adapter.serve(bot), name="discord"))
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
    from bot.settings import CoreSettings

    assistant = assistant_factory()
    try:
        return asyncio.run(serve_all(assistant, slack_plan=slack_plan, discord_settings=discord_settings,
                                     limiter=CoreSettings().limiter()))
    except KeyboardInterrupt:
        return 0
