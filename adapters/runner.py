"""`cloudai run` and `cloudai NAME` (one registered platform): platforms in one process,
sharing one loaded knowledge base.

A platform is configured when its bot token is set (the variables its registry line names).
The platforms are those in the registry (adapters/platforms.py); this module names none of
them. A platform may serve from its own threads (a synchronous SDK's server) or as a task on
the asyncio loop, which owns the process's lifetime.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from typing import TYPE_CHECKING, Any, Callable

from adapters import platforms
from adapters.platforms import Launch, Plan, Platform, Running
from bot.assistant import Assistant
from bot.conversation import Conversation
from bot.live import LiveAssistant
from bot.ratelimit import QuestionLimiter
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.delivery import Target
    from bot.health import Health
    from bot.store import Store

__all__ = ["Plan", "configured_plan", "configured_targets", "digest_settings", "digest_targets", "run_all", "run_platform",
           "run_platforms", "serve_all"]

log = logging.getLogger("cloudai.run")
PROG = "cloudai run"


def _planned(plan: Plan) -> list[Platform]:
    """The registered platforms this plan serves, in start-up order."""
    unknown = set(plan.modes) - set(platforms.names())
    if unknown:
        raise ValueError(f"not a registered platform: {', '.join(sorted(unknown))}")
    return [platforms.platform(name) for name in platforms.names() if plan.mode(name)]


def digest_targets(settings: Settings, plan: Plan, running: "dict[str, Running] | None" = None) -> list["Target"]:
    """A target per served platform that has a digest channel (reusing a running client)."""
    targets = []
    for platform in _planned(plan):
        target = platform.digest_target(settings, (running or {}).get(platform.name))
        if target is not None:
            targets.append(target)
    return targets


def configured_targets(settings: Settings) -> list["Target"]:
    """Digest targets for `cloudai digest post`: every platform with a token and a channel."""
    return digest_targets(settings, configured_plan(settings, None))


def digest_settings() -> str:
    """What to set for a digest, for a message: "X_DIGEST_CHANNEL (with X_TOKEN) and/or …", each
    registered platform that has a digest (imports every platform's module)."""
    wanted = []
    for name, entry in platforms.REGISTRY.items():
        variable = platforms.platform(name).digest_variable
        if variable:
            wanted.append(f"{variable} (with {entry.token_env[0]})" if entry.token_env else variable)
    return " and/or ".join(wanted) or "a digest channel (no registered platform posts digests)"


def configured_plan(settings: Settings, http: bool | None, port: int | None = None) -> Plan:
    """Every registered platform whose token is set, each in its mode."""
    return Plan({name: platforms.platform(name).mode(settings, http) for name in platforms.configured(settings)}, port)


async def serve_all(assistant: Assistant | LiveAssistant, settings: Settings, plan: Plan, *,
                    limiter: QuestionLimiter | None = None, store: "Store | None" = None,
                    health: "Health | None" = None, stopping: asyncio.Event | None = None,
                    on_started: Callable[[str, Running], None] | None = None, prog: str = PROG) -> int:
    """Serve the planned platforms, the digest scheduler (when a `store` is given and digest
    channels are set), hot reload (CLOUDAI_RELOAD) and /healthz + /metrics (a platform's HTTP port
    when it serves them, else CLOUDAI_HEALTH_PORT) until `stopping` is set or a platform fails; 0, or 2 after
    printing a start-up problem a user can fix (a rejected token). `on_started` hears of each
    platform once it serves (its name, and what it reported: an HTTP port)."""
    live = LiveAssistant.of(assistant)
    conversation = Conversation.kept_in(store, live, limiter, settings.followup_minutes)  # every platform's flow
    stopping = stopping or asyncio.Event()
    stops: list[Callable[[], None]] = []
    tasks: list[asyncio.Task[Any]] = []
    background: list[asyncio.Task[None]] = []
    running: dict[str, Running] = {}
    launch = Launch(live, settings, plan, conversation, store, health, prog)
    try:
        for platform in _planned(plan):
            started = await platform.start(launch)
            if started is None:
                return 2  # the platform said why
            running[platform.name] = started
            if started.stop is not None:
                stops.append(started.stop)
            if started.task is not None:
                tasks.append(started.task)
            if on_started is not None:
                on_started(platform.name, started)
        if (health is not None and settings.health_port is not None
                and not any(r.serves_health for r in running.values())):
            from adapters.http import HTTPServer, serve_in_background
            from bot.health import ops_app

            server = HTTPServer(ops_app(health), settings.host, settings.health_port, timeout=settings.http_timeout)
            stops.append(serve_in_background(server, "health"))
            log.info("serving /healthz and /metrics on http://%s:%d", settings.host, server.server_port)
        if store is not None:
            targets = digest_targets(settings, plan, running)
            if targets:
                from bot.delivery import DigestScheduler, DigestService

                scheduler = DigestScheduler(DigestService(lambda: live.current, store, settings, targets,
                                                          metrics=live.metrics))
                scheduler.start()
                stops.append(scheduler.stop)
        if settings.reload:
            background.append(asyncio.create_task(_watch(live, stopping), name="reload"))
        tasks.append(asyncio.create_task(stopping.wait(), name="stopping"))
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            exc = task.exception()
            if exc is not None:
                failed = next((platforms.platform(name) for name, r in running.items() if r.task is task), None)
                problem = failed.problem(exc) if failed is not None else None
                if problem is None:
                    raise exc
                print(f"{prog}: {problem}", file=sys.stderr)
                return 2
        return 0
    finally:
        for task in tasks + background:
            task.cancel()
        await asyncio.gather(*tasks, *background, return_exceptions=True)
        for stop in stops:
            stop()


async def _watch(live: LiveAssistant, stopping: asyncio.Event) -> None:
    """Hot reload for as long as the process runs; a watcher that cannot start is logged, not fatal."""
    from bot.watch import watch

    try:
        await watch(live, stopping)
    except asyncio.CancelledError:
        raise
    except Exception as exc:
        log.error("hot reload stopped (%s: %s); the knowledge keeps serving as last loaded, and an admin can "
                  "still `reload`", type(exc).__name__, exc)


def run_all(assistant_factory: Callable[[Settings], Assistant], http: bool | None = None, port: int | None = None) -> int:
    from bot.settings import load_or_explain

    def needed(settings: Settings) -> list[str]:
        settings.admin_ids(platforms.names())  # a `name:` prefix must be a registered platform (ValueError)
        configured = [platforms.platform(name) for name in platforms.configured(settings)]
        if not configured:
            tokens = [f"{entry.token_env[0]} ({name})" if entry.token_env else name
                      for name, entry in platforms.REGISTRY.items()]
            return [" and/or ".join(tokens) + ": no platform is configured (see config/example.env)"]
        return [line for p in configured for line in p.missing(settings, http)]

    settings = load_or_explain(PROG, needed)
    if settings is None:
        return 2
    return run_platforms(assistant_factory, settings, configured_plan(settings, http, port))


def run_platform(name: str, assistant_factory: Callable[[Settings], Assistant], http: bool | None = None,
                 port: int | None = None) -> int:
    """`cloudai NAME`: one registered platform (`NAME` its registry name), whatever else
    is configured. Check its settings, load the knowledge, then serve until stopped."""
    from bot.settings import load_or_explain

    platform = platforms.platform(name)
    prog = f"cloudai {name}"
    def needed(settings: Settings) -> list[str]:
        settings.admin_ids(platforms.names())  # a `name:` prefix must be a registered platform (ValueError)
        return platform.missing(settings, http)

    settings = load_or_explain(prog, needed, f" ({platform.title})")
    if settings is None:
        return 2
    return run_platforms(assistant_factory, settings, Plan({name: platform.mode(settings, http)}, port), prog=prog)


def run_platforms(assistant_factory: Callable[[Settings], Assistant], settings: Settings, plan: Plan,
                  prog: str = PROG) -> int:
    """Open the store, load the knowledge (`assistant_factory`, given the settings just read, so
    they are read once) and serve `plan` until stopped (SIGTERM, SIGINT)."""
    from bot.health import Health
    from bot.metrics import Metrics

    store = settings.open_store()
    log.info("state store: %s", store.safe_url)
    metrics = Metrics()
    live = LiveAssistant(assistant_factory(settings), settings.admin_ids(platforms.names()), metrics, frozen=True)
    limiter = settings.limiter()
    limiter.on_refusal = lambda platform, refusal: metrics.refused.labels(platform, refusal.scope).inc()
    if not live.admins:
        log.info("no CLOUDAI_ADMINS: the `reload` command is refused to everyone (hot reload still watches files)")

    async def main() -> int:
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stopping.set)
        code = await serve_all(live, settings, plan, limiter=limiter, store=store,
                               health=Health(live, metrics, store), stopping=stopping, prog=prog)
        if stopping.is_set():
            log.info("stopped on a signal: answers in flight were finished, the store is closed")
        return code

    try:
        return asyncio.run(main())
    except KeyboardInterrupt:
        return 0
    finally:
        store.close()
