"""Posting the day's digest exactly once per channel, and when: the slot, catch-up, retries.

Platform-neutral: each adapter supplies a `Target` (a channel and an async `post` that
returns the message id or raises). Exactly once rests on the store: an instance posts only
after claiming (platform, channel, day); a failed post releases the claim; a claim left by
a crashed instance expires. Scheduling is APScheduler's cron trigger in the digest's time
zone (daylight-saving changes handled there), plus a check at start-up so a process that
starts after today's time still posts today's digest once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass
from typing import Awaitable, Callable, Literal

from .assistant import Assistant
from .digest import Digest, DigestComposer
from .metrics import Metrics
from .settings import Settings
from .store import Store, utcnow

log = logging.getLogger("cloudai.digest")
Status = Literal["posted", "already posted", "in progress elsewhere", "failed"]


@dataclass(frozen=True, slots=True)
class Target:
    """Where a digest goes, and how: `post(digest)` returns the platform's message id."""

    platform: str
    channel: str
    post: Callable[[Digest], Awaitable[str]]

    @property
    def name(self) -> str:
        return f"{self.platform}:{self.channel}"


@dataclass(frozen=True, slots=True)
class Outcome:
    target: str
    status: Status
    detail: str = ""


class DigestService:
    """Composes, keeps and posts digests for one knowledge base and one store."""

    def __init__(self, assistant: Callable[[], Assistant], store: Store, settings: Settings,
                 targets: list[Target], clock: Callable[[], dt.datetime] = utcnow,
                 metrics: Metrics | None = None) -> None:
        self._assistant = assistant  # a callable: the knowledge may be reloaded between days
        self._composer: tuple[Assistant, DigestComposer] | None = None
        self.store = store
        self.settings = settings
        self.targets = targets
        self.clock = clock
        self.metrics = metrics

    # -- when --------------------------------------------------------------------------

    def today(self, now: dt.datetime | None = None) -> dt.date:
        """The date in the digest's time zone: the day a digest belongs to."""
        return (now or self.clock()).astimezone(self.settings.zone).date()

    def slot(self, day: dt.date) -> dt.datetime:
        """The posting time on `day`, in the digest's zone (a wall-clock time; DST-aware)."""
        return dt.datetime.combine(day, self.settings.digest_time, tzinfo=self.settings.zone)

    def posts_on(self, day: dt.date) -> bool:
        return not (self.settings.digest_skip_weekends and day.weekday() >= 5)

    def due(self, now: dt.datetime | None = None) -> dt.date | None:
        """Today's date if today's digest should be out by now, else None (no backfill)."""
        now = now or self.clock()
        day = self.today(now)
        return day if self.posts_on(day) and now >= self.slot(day) else None

    # -- what --------------------------------------------------------------------------

    def composer(self) -> DigestComposer:
        assistant = self._assistant()
        if self._composer is None or self._composer[0] is not assistant:
            self._composer = (assistant, DigestComposer(assistant))
        return self._composer[1]

    def preview(self, day: dt.date) -> Digest:
        """The digest for `day` without changing anything: the kept edition, else a fresh one."""
        return self.store.edition(day) or self.composer().compose(day, self.store.history(day))

    def edition(self, day: dt.date) -> Digest:
        """The day's edition, composed and kept by the first instance that asks."""
        kept = self.store.edition(day)
        if kept is not None:
            return kept
        composer = self.composer()
        return self.store.save_edition(composer.compose(day, self.store.history(day)), composer.snapshot())

    # -- posting -----------------------------------------------------------------------

    async def post(self, day: dt.date) -> list[Outcome]:
        """Post `day`'s digest to every target that has not had it; one outcome per target."""
        if not self.targets:
            return []
        digest = await asyncio.to_thread(self.edition, day)
        return [await self._post_one(t, digest) for t in self.targets]

    async def _post_one(self, target: Target, digest: Digest) -> Outcome:
        store = self.store
        if not await asyncio.to_thread(store.claim, target.platform, target.channel, digest.day):
            done = await asyncio.to_thread(store.delivery, target.platform, target.channel, digest.day)
            if done is not None and done.state == "posted":
                when = done.posted_at.astimezone(self.settings.zone).strftime("%H:%M %Z") if done.posted_at else ""
                return Outcome(target.name, "already posted", f"at {when}".strip())
            return Outcome(target.name, "in progress elsewhere", "another instance holds the claim")
        try:
            message_id = await target.post(digest)
        except Exception as exc:
            await asyncio.to_thread(store.release, target.platform, target.channel, digest.day)
            log.warning("digest for %s not posted to %s (%s); the claim is released for a later attempt",
                        digest.day, target.name, _reason(exc))
            return Outcome(target.name, "failed", _reason(exc))
        await asyncio.to_thread(store.mark_posted, target.platform, target.channel, digest.day, message_id)
        log.info("digest for %s posted to %s (message %s)", digest.day, target.name, message_id)
        if self.metrics is not None:
            self.metrics.digests.labels(target.platform).inc()
        return Outcome(target.name, "posted", message_id)

    async def run_if_due(self, now: dt.datetime | None = None) -> list[Outcome]:
        day = self.due(now)
        return await self.post(day) if day is not None else []


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:300] if text else type(exc).__name__


class DigestScheduler:
    """Runs `DigestService.run_if_due` at the slot every day, at start-up, and after failures."""

    def __init__(self, service: DigestService) -> None:
        from apscheduler.schedulers.asyncio import AsyncIOScheduler
        from apscheduler.triggers.cron import CronTrigger

        self.service = service
        settings = service.settings
        self.scheduler = AsyncIOScheduler(timezone=settings.zone)
        self.trigger = CronTrigger(hour=settings.digest_time.hour, minute=settings.digest_time.minute,
                                   day_of_week="mon-fri" if settings.digest_skip_weekends else "*",
                                   timezone=settings.zone)
        self.scheduler.add_job(self.tick, self.trigger, id="digest", coalesce=True, misfire_grace_time=3600,
                               max_instances=1)

    def start(self) -> None:
        self.scheduler.start()
        self.scheduler.add_job(self.tick, id="digest-catch-up")  # now: today's digest if it is late
        nxt = self.scheduler.get_job("digest").next_run_time
        log.info("digest scheduled at %s %s to %s; next at %s", self.service.settings.digest_time.strftime("%H:%M"),
                 self.service.settings.digest_tz, ", ".join(t.name for t in self.service.targets) or "nowhere", nxt)

    def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    async def tick(self) -> None:
        try:
            outcomes = await self.service.run_if_due()
        except Exception:
            log.exception("the digest could not be prepared")
            outcomes = [Outcome("*", "failed")]
        if any(o.status == "failed" for o in outcomes):
            retry = utcnow() + dt.timedelta(minutes=self.service.settings.digest_retry_minutes)
            self.scheduler.add_job(self.tick, "date", run_date=retry, id="digest-retry", replace_existing=True)
            log.info("digest: another attempt at %s", retry.astimezone(self.service.settings.zone))
