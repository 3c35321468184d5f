"""Posting the day's digest exactly once per channel, and when: the slot, catch-up, retries.

Platform-neutral: each adapter supplies a `Target` (a channel and an async `post` that
returns the message id or raises). Exactly once rests on the store: an instance posts only
after claiming (platform, channel, day) and marking the claim "posting"; a failed post
releases the claim; a claim left by a crashed instance before it posted expires, one left
while posting is never posted again blindly ("unconfirmed"). What became of a post is
recorded with retries while the database is unreachable, until shortly before the claim
could expire; past that it is kept in the store's local journal and recorded at the next
start. Scheduling is APScheduler's cron trigger in the digest's time
zone (daylight-saving changes handled there), plus a check at start-up so a process that
starts after today's time still posts today's digest once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass
from typing import Awaitable, Callable, Literal

from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_before_delay,
    stop_when_event_set,
    wait_exponential,
    wait_random,
)

from .assistant import Assistant
from .digest import Digest, DigestComposer
from .metrics import Metrics
from .settings import WEEKDAYS, Settings
from .store import Store, utcnow

log = logging.getLogger("cloudai.digest")
Status = Literal["posted", "already posted", "in progress elsewhere", "failed", "posted but not recorded",
                 "unconfirmed"]
TRANSIENT = (OperationalError, InterfaceError, PoolTimeout)  # the database is down, restarting, locked
RECORD_MAX_WAIT = 10.0  # seconds: the longest pause between two attempts at recording a post
PROBLEMS = ("failed", "posted but not recorded", "unconfirmed")  # statuses a person may need to look at


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
        self.stopping = threading.Event()  # set on shutdown: stop retrying a record, keep it locally

    # -- when --------------------------------------------------------------------------


    def _pause(self, seconds: float) -> None:
        """Sleep between record retries; a shutdown (`stopping`) cuts it short."""
        self.stopping.wait(seconds)
    def today(self, now: dt.datetime | None = None) -> dt.date:
        """The date in the digest's time zone: the day a digest belongs to."""
        return (now or self.clock()).astimezone(self.settings.zone).date()

    def slot(self, day: dt.date) -> dt.datetime:
        """The posting time on `day`, in the digest's zone (a wall-clock time; DST-aware)."""
        return dt.datetime.combine(day, self.settings.digest_time, tzinfo=self.settings.zone)

    def posts_on(self, day: dt.date) -> bool:
        return WEEKDAYS[day.weekday()] in self.settings.digest_days

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

    async def post(self, day: dt.date, repost_unconfirmed: bool = False) -> list[Outcome]:
        """Post `day`'s digest to every target that has not had it; one outcome per target.
        `repost_unconfirmed`: also post where an earlier post was never confirmed (a person
        looked at the channel and it is not there)."""
        if not self.targets:
            return []
        await asyncio.to_thread(self.store.finish_unrecorded)  # what an earlier attempt could not record
        digest = await asyncio.to_thread(self.edition, day)
        return [await self._post_one(t, digest, repost_unconfirmed) for t in self.targets]

    def record_budget(self) -> float:
        """Seconds from a claim during which its outcome is recorded: the claim's lifetime less a
        margin, so the record lands before anyone could judge the claim stale."""
        timeout = self.store.claim_timeout.total_seconds()
        return timeout - min(30.0, max(1.0, timeout / 10))

    async def _post_one(self, target: Target, digest: Digest, repost_unconfirmed: bool = False) -> Outcome:
        store, day = self.store, digest.day
        deadline = time.monotonic() + self.record_budget()
        if not await asyncio.to_thread(store.claim, target.platform, target.channel, day, repost_unconfirmed):
            return await asyncio.to_thread(self._not_ours, target, day)
        if not await asyncio.to_thread(store.begin_post, target.platform, target.channel, day):
            return Outcome(target.name, "in progress elsewhere", "another instance took the claim over")
        try:
            message_id = await target.post(digest)
        except Exception as exc:
            log.warning("digest for %s not posted to %s (%s); the claim is released for a later attempt",
                        day, target.name, _reason(exc))
            await asyncio.to_thread(self._settle, "failed", target, day, "", deadline)
            return Outcome(target.name, "failed", _reason(exc))
        posted_at = self.clock()
        if self.metrics is not None:
            self.metrics.digests.labels(target.platform).inc()
        problem = await asyncio.to_thread(self._settle, "posted", target, day, message_id, deadline, posted_at)
        if problem is not None:
            return Outcome(target.name, "posted but not recorded", problem)
        log.info("digest for %s posted to %s (message %s)", day, target.name, message_id)
        return Outcome(target.name, "posted", message_id)

    def _settle(self, outcome: str, target: Target, day: dt.date, message_id: str, deadline: float,
                posted_at: dt.datetime | None = None) -> str | None:
        """Tell the store what became of a post ("posted", or "failed": release the claim),
        retrying with jittered exponential backoff while the database is unreachable, until
        `deadline` (monotonic); past it, keep it in the local journal for the next start.
        None once recorded; else one line saying what happened."""
        store = self.store
        what = f"posted to {target.name}" if outcome == "posted" else f"not posted to {target.name}"

        def write() -> None:
            if outcome == "posted":
                store.mark_posted(target.platform, target.channel, day, message_id, at=posted_at)
            else:
                store.release(target.platform, target.channel, day)

        def first_failure(state: RetryCallState) -> None:
            failure = state.outcome.exception() if state.outcome is not None else None
            if state.attempt_number == 1 and failure is not None:
                until = dt.datetime.now().astimezone() + dt.timedelta(seconds=max(0.0, deadline - time.monotonic()))
                log.warning("digest for %s %s; recording that failed: %s; retrying until %s", day, what,
                            store.explain(failure), until.strftime("%H:%M:%S"))

        try:
            for attempt in Retrying(stop=(stop_before_delay(max(0.0, deadline - time.monotonic()))
                                          | stop_when_event_set(self.stopping)),
                                    wait=wait_exponential(multiplier=0.5, max=RECORD_MAX_WAIT) + wait_random(0, 0.5),
                                    sleep=self._pause,  # a shutdown cuts the pause short
                                    retry=retry_if_exception_type(TRANSIENT), before_sleep=first_failure,
                                    reraise=True):
                with attempt:
                    write()
            return None
        except SQLAlchemyError as exc:
            problem = store.explain(exc)
        try:
            store.remember(outcome, target.platform, target.channel, day, message_id, at=posted_at)
        except OSError as exc:
            log.error("digest for %s %s; recording that failed: %s; nor can %s be written (%s)", day, what,
                      problem, store.journal.path, exc.strerror or exc)
            return f"{problem}; and {store.journal.path} cannot be written ({exc.strerror or exc})"
        log.warning("digest for %s %s; recording that failed: %s; kept in %s and recorded at the next start",
                    day, what, problem, store.journal.path)
        return f"{problem}; kept in {store.journal.path} and recorded at the next start"

    def _not_ours(self, target: Target, day: dt.date) -> Outcome:
        """Why the claim was not ours: the post is out, someone is at it, or it may be out."""
        done = self.store.delivery(target.platform, target.channel, day)
        zone = self.settings.zone
        if done is None:  # released between our claim and this look: the next attempt will tell
            return Outcome(target.name, "in progress elsewhere", "another instance just gave up its claim")
        if done.state == "posted":
            when = done.posted_at.astimezone(zone).strftime("%H:%M %Z") if done.posted_at else ""
            return Outcome(target.name, "already posted", f"at {when}".strip())
        since = done.claimed_at.astimezone(zone).strftime("%H:%M:%S %Z")
        if done.state == "posting":
            if done.claimed_at < self.store.clock() - self.store.claim_timeout:
                return Outcome(target.name, "unconfirmed",
                               f"{done.owner} began posting it at {since} and never recorded whether it went out; "
                               "not posted again: look in the channel, and if it is not there run "
                               "`cloudai digest post --repost-unconfirmed`")
            return Outcome(target.name, "in progress elsewhere", f"{done.owner} is posting it (since {since})")
        expires = (done.claimed_at + self.store.claim_timeout).astimezone(zone).strftime("%H:%M:%S %Z")
        return Outcome(target.name, "in progress elsewhere",
                       f"claimed by {done.owner} at {since}; the claim expires at {expires} if it never posts")

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
        at = settings.digest_time  # the same time and days as `DigestService.slot` and `posts_on`
        self.trigger = CronTrigger(hour=at.hour, minute=at.minute, second=at.second,
                                   day_of_week=",".join(settings.digest_days), timezone=settings.zone)
        self.scheduler.add_job(self.tick, self.trigger, id="digest", coalesce=True, misfire_grace_time=3600,
                               max_instances=1)

    def start(self) -> None:
        self.scheduler.start()
        self.scheduler.add_job(self.tick, id="digest-catch-up")  # now: today's digest if it is late
        nxt = self.scheduler.get_job("digest").next_run_time
        log.info("digest scheduled at %s %s to %s; next at %s", self.service.settings.digest_time.strftime("%H:%M"),
                 self.service.settings.digest_tz, ", ".join(t.name for t in self.service.targets) or "nowhere", nxt)

    def stop(self) -> None:
        self.service.stopping.set()  # a record being retried is kept locally now, not waited for
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    async def tick(self) -> None:
        try:
            outcomes = await self.service.run_if_due()
        except SQLAlchemyError as exc:
            log.warning("the digest could not be prepared: %s", self.service.store.explain(exc))
            outcomes = [Outcome("*", "failed")]
        except Exception:
            log.exception("the digest could not be prepared")
            outcomes = [Outcome("*", "failed")]
        for o in outcomes:
            if o.status == "unconfirmed":
                log.warning("digest for %s: %s", o.target, o.detail)
        # try again later: after a failure, to record what is kept locally, and where another
        # instance holds a claim (should it have crashed before posting, its claim expires)
        if any(o.status in ("failed", "posted but not recorded", "in progress elsewhere") for o in outcomes):
            retry = utcnow() + dt.timedelta(minutes=self.service.settings.digest_retry_minutes)
            self.scheduler.add_job(self.tick, "date", run_date=retry, id="digest-retry", replace_existing=True)
            log.info("digest: another attempt at %s", retry.astimezone(self.service.settings.zone))
