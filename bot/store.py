"""The state store: digest editions and deliveries, the knowledge snapshot, and feedback.

SQLAlchemy 2 over an embedded SQLite file by default, PostgreSQL when the URL says so;
the schema is created at start-up (`create_all` is idempotent; no migration exists yet).
Every "exactly once" rests on the database, not on memory: a digest edition is one row
per day (first writer wins, so every instance posts the same digest), and a delivery is
one row per (platform, channel, day) that an instance must claim before posting.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from sqlalchemy import (Date, DateTime, case, Integer, String, Text, UniqueConstraint, create_engine, delete, func, select,
                        text, update)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

from .digest import Digest, History
from .feedback import Feedback

log = logging.getLogger("cloudai.store")
Clock = Callable[[], dt.datetime]
PRUNE_EVERY = 500  # events recorded between two prunes of old event keys
SCHEMA_LOCK = 727_001  # PostgreSQL advisory lock id held while creating the schema


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def default_database_url(data_dir: Path | None = None) -> str:
    """SQLite under the data directory: `data_dir` (CLOUDAI_DATA_DIR), else
    $XDG_DATA_HOME/cloudai, else ~/.local/share/cloudai."""
    base = data_dir or os.environ.get("CLOUDAI_DATA_DIR") or os.path.join(
        os.environ.get("XDG_DATA_HOME") or os.path.join(Path.home(), ".local", "share"), "cloudai")
    return f"sqlite:///{Path(base) / 'cloudai.db'}"


def driver_url(url: str) -> str:
    """Heroku and most hosts hand out `postgres://…`; SQLAlchemy wants a driver named."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


class Base(DeclarativeBase):
    pass


class EditionRow(Base):
    """The digest of one day, composed once and shared by every channel and instance."""

    __tablename__ = "digest_editions"
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    trend_key: Mapped[str | None] = mapped_column(String(500))
    figure_key: Mapped[str | None] = mapped_column(String(500))
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class SnapshotRow(Base):
    """Each document's content hash as of the latest edition: what "what's new" compares to."""

    __tablename__ = "knowledge_snapshot"
    path: Mapped[str] = mapped_column(String(1000), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(1000))
    day: Mapped[dt.date] = mapped_column(Date)


class DeliveryRow(Base):
    """One digest in one channel on one day: claimed by one instance, then posted."""

    __tablename__ = "digest_deliveries"
    platform: Mapped[str] = mapped_column(String(20), primary_key=True)
    channel: Mapped[str] = mapped_column(String(100), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    state: Mapped[str] = mapped_column(String(10))  # "claimed" | "posted"
    owner: Mapped[str] = mapped_column(String(100))
    claimed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    posted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    message_id: Mapped[str | None] = mapped_column(String(100))
    attempts: Mapped[int] = mapped_column(Integer, default=1)


class FeedbackRow(Base):
    __tablename__ = "feedback"
    __table_args__ = (UniqueConstraint("platform", "user_id", "question", "source", name="one_vote_each"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    platform: Mapped[str] = mapped_column(String(20))
    user_id: Mapped[str] = mapped_column(String(100))
    question: Mapped[str] = mapped_column(String(1000))
    source: Mapped[str] = mapped_column(String(1000))
    intent: Mapped[str | None] = mapped_column(String(100))
    vote: Mapped[int] = mapped_column(Integer)


@dataclass(frozen=True, slots=True)
class Delivery:
    platform: str
    channel: str
    day: dt.date
    state: str
    owner: str
    claimed_at: dt.datetime
    posted_at: dt.datetime | None
    message_id: str | None
    attempts: int


@dataclass(frozen=True, slots=True)
class RatedAnswer:
    """Votes on one (question, source) pair, for `cloudai feedback`."""

    question: str
    source: str
    up: int
    down: int

    @property
    def score(self) -> int:
        return self.up - self.down


class EventRow(Base):
    """A platform event already handled (Slack event ids), shared by every instance."""

    __tablename__ = "handled_events"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)


class Store:
    """One database; safe to share between threads, and between processes through the database."""

    def __init__(self, url: str | None = None, clock: Clock = utcnow, claim_timeout: dt.timedelta | None = None,
                 owner: str | None = None) -> None:
        self.url = driver_url(url or default_database_url())
        if self.url.startswith("sqlite:///") and not self.url.startswith("sqlite:///:memory:"):
            Path(self.url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        connect_args = {"timeout": 30} if self.url.startswith("sqlite") else {}
        self.engine: Engine = create_engine(self.url, connect_args=connect_args, pool_pre_ping=True)
        self._session = sessionmaker(self.engine, expire_on_commit=False)
        self.clock = clock
        self.claim_timeout = claim_timeout or dt.timedelta(minutes=10)
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._events = 0
        self._create_schema()

    def _create_schema(self) -> None:
        """Create missing tables. Instances starting together must not trip over each other:
        PostgreSQL serialises them on an advisory lock; SQLite's races are retried."""
        for attempt in range(5):
            try:
                with self.engine.begin() as conn:
                    if conn.dialect.name == "postgresql":
                        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK})
                    Base.metadata.create_all(conn)
                return
            except (OperationalError, IntegrityError, ProgrammingError):
                if attempt == 4:
                    raise
                time.sleep(0.05 * (attempt + 1))

    def close(self) -> None:
        self.engine.dispose()

    def reachable(self) -> str | None:
        """None when the database answers; else why not (for /healthz; never the URL's password)."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return None
        except Exception as exc:  # any driver error means "not reachable"
            return type(exc).__name__

    # -- platform events ---------------------------------------------------------------------

    def first_time(self, key: str) -> bool:
        """True for exactly one caller per key across every instance on this database: how
        instances behind a load balancer answer a retried Slack event once. Keys older than
        a day are forgotten (Slack retries within minutes)."""
        now = self.clock()
        try:
            with self._session.begin() as s:
                s.add(EventRow(key=key[:200], at=now))
        except IntegrityError:
            return False
        self._events += 1
        if self._events % PRUNE_EVERY == 1:  # prune now and then, not on every event
            with self._session.begin() as s:
                s.execute(delete(EventRow).where(EventRow.at < now - dt.timedelta(days=1)))
        return True

    @property
    def safe_url(self) -> str:
        """The URL with any password masked, for logs."""
        return self.engine.url.render_as_string(hide_password=True)

    # -- digest editions -----------------------------------------------------------------

    def history(self, before: dt.date) -> History:
        """Rotation counts from editions before `before`, and the latest knowledge snapshot."""
        history = History()
        with self._session() as s:
            for row in s.execute(select(EditionRow.day, EditionRow.trend_key, EditionRow.figure_key)
                                 .where(EditionRow.day < before)):
                for kind, key in (("trend", row.trend_key), ("figure", row.figure_key)):
                    if key:
                        history.shown[kind][key] += 1  # type: ignore[index]
                        last = history.last_shown[kind].get(key)  # type: ignore[index]
                        history.last_shown[kind][key] = max(last, row.day) if last else row.day  # type: ignore[index]
            snapshot = {r.path: r.sha256 for r in s.scalars(select(SnapshotRow))}
        history.snapshot = snapshot or None
        return history

    def edition(self, day: dt.date) -> Digest | None:
        with self._session() as s:
            row = s.get(EditionRow, day)
            return Digest.from_json(row.payload) if row else None

    def save_edition(self, digest: Digest, snapshot: dict[str, tuple[str, str]]) -> Digest:
        """Keep `digest` as the day's edition and take the knowledge snapshot, in one transaction;
        if another instance saved one first, theirs is the edition and is returned."""
        try:
            with self._session.begin() as s:
                s.add(EditionRow(day=digest.day, trend_key=digest.trend.key if digest.trend else None,
                                 figure_key=digest.figure.key if digest.figure else None,
                                 payload=digest.to_json(), created_at=self.clock()))
                s.flush()
                s.execute(delete(SnapshotRow))
                s.add_all(SnapshotRow(path=p, sha256=sha, title=title[:1000], day=digest.day)
                          for p, (sha, title) in snapshot.items())
            return digest
        except IntegrityError:
            saved = self.edition(digest.day)
            assert saved is not None
            return saved

    # -- deliveries ------------------------------------------------------------------------

    def claim(self, platform: str, channel: str, day: dt.date) -> bool:
        """Claim the right to post `day`'s digest in `channel`; True for exactly one claimant.
        A claim older than `claim_timeout` that never became a post (a crashed instance) can
        be taken over."""
        now = self.clock()
        try:
            with self._session.begin() as s:
                s.add(DeliveryRow(platform=platform, channel=channel, day=day, state="claimed", owner=self.owner,
                                  claimed_at=now, attempts=1))
            return True
        except IntegrityError:
            pass
        with self._session.begin() as s:
            taken = s.execute(
                update(DeliveryRow)
                .where(DeliveryRow.platform == platform, DeliveryRow.channel == channel, DeliveryRow.day == day,
                       DeliveryRow.state == "claimed", DeliveryRow.claimed_at < now - self.claim_timeout)
                .values(owner=self.owner, claimed_at=now, attempts=DeliveryRow.attempts + 1))
            return taken.rowcount == 1

    def mark_posted(self, platform: str, channel: str, day: dt.date, message_id: str) -> None:
        with self._session.begin() as s:
            s.execute(update(DeliveryRow)
                      .where(DeliveryRow.platform == platform, DeliveryRow.channel == channel, DeliveryRow.day == day,
                             DeliveryRow.owner == self.owner)
                      .values(state="posted", posted_at=self.clock(), message_id=message_id))

    def release(self, platform: str, channel: str, day: dt.date) -> None:
        """Give up a claim after a failed post, so a later attempt (ours or another's) posts."""
        with self._session.begin() as s:
            s.execute(delete(DeliveryRow)
                      .where(DeliveryRow.platform == platform, DeliveryRow.channel == channel, DeliveryRow.day == day,
                             DeliveryRow.owner == self.owner, DeliveryRow.state == "claimed"))

    def delivery(self, platform: str, channel: str, day: dt.date) -> Delivery | None:
        with self._session() as s:
            row = s.get(DeliveryRow, (platform, channel, day))
            if row is None:
                return None
            return Delivery(row.platform, row.channel, row.day, row.state, row.owner, _aware(row.claimed_at),
                            _aware(row.posted_at) if row.posted_at else None, row.message_id, row.attempts)

    # -- feedback (a FeedbackSink) ---------------------------------------------------------

    def record(self, feedback: Feedback) -> None:
        """A person's latest vote on an answer counts; voting again changes it."""
        values = dict(at=feedback.at, platform=feedback.platform, user_id=feedback.user[:100],
                      question=feedback.question[:1000], source=feedback.source[:1000], intent=feedback.intent,
                      vote=1 if feedback.vote > 0 else -1)
        try:
            with self._session.begin() as s:
                s.add(FeedbackRow(**values))
        except IntegrityError:
            with self._session.begin() as s:
                s.execute(update(FeedbackRow)
                          .where(FeedbackRow.platform == values["platform"], FeedbackRow.user_id == values["user_id"],
                                 FeedbackRow.question == values["question"], FeedbackRow.source == values["source"])
                          .values(vote=values["vote"], at=values["at"], intent=values["intent"]))

    def worst_rated(self, limit: int = 10) -> list[RatedAnswer]:
        """Answers with the most 👎 over 👍 first; only answers with at least one 👎."""
        up = func.sum(case((FeedbackRow.vote > 0, 1), else_=0))
        down = func.sum(case((FeedbackRow.vote < 0, 1), else_=0))
        stmt = (select(FeedbackRow.question, FeedbackRow.source, up.label("up"), down.label("down"))
                .group_by(FeedbackRow.question, FeedbackRow.source).having(down > 0)
                .order_by(up - down, down.desc(), FeedbackRow.question).limit(limit))
        with self._session() as s:
            return [RatedAnswer(r.question, r.source, int(r.up), int(r.down)) for r in s.execute(stmt)]


def _aware(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
