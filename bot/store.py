"""The state store: digest editions and deliveries, the knowledge snapshot, and feedback.

SQLAlchemy 2 over an embedded SQLite file by default, PostgreSQL when the URL says so;
the schema is created at start-up (`create_all` is idempotent; no migration exists yet).
Every "exactly once" rests on the database, not on memory: a digest edition is one row
per day (first writer wins, so every instance posts the same digest), and a delivery is
one row per (platform, channel, day) that an instance must claim before posting.

A delivery goes "claimed" → "posting" (written just before the platform is called) →
"posted". An expired "claimed" row never reached the platform and may be taken over; an
expired "posting" row may have been posted, so it is never posted again blindly. The
outcome of a post the database could not be told about (it was unreachable for longer
than the claim lasts) is kept in a small local file beside the data (`Journal`) and told
to the database at the next start, before anything else.

SQLite files run in WAL mode, so a reader never blocks a writer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import socket
import sqlite3
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import (
    Date,
    DateTime,
    Integer,
    String,
    Text,
    UniqueConstraint,
    case,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, ProgrammingError, SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

from .edition import Digest, History  # not .digest: that loads the search stack (numpy, rapidfuzz)
from .feedback import Feedback

log = logging.getLogger("cloudai.store")
Clock = Callable[[], dt.datetime]
PRUNE_EVERY = 500  # rows written (events, conversation contexts) between two prunes of old ones
SCHEMA_LOCK = 727_001  # PostgreSQL advisory lock id held while creating the schema
SQLITE_BUSY_SECONDS = 30  # how long an SQLite write waits for another writer (digest, feedback, schema)
EVENT_BUSY_MS = 250  # ...and the Slack event-dedupe write, asked before the ack (adapters/slack.py: 0.3 s)
PG_CONNECT_TIMEOUT = 10  # seconds: an unreachable PostgreSQL fails a call instead of hanging it


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def default_data_dir(data_dir: Path | None = None) -> Path:
    """`data_dir` (CLOUDAI_DATA_DIR), else $XDG_DATA_HOME/cloudai, else ~/.local/share/cloudai."""
    return Path(data_dir or os.environ.get("CLOUDAI_DATA_DIR") or os.path.join(
        os.environ.get("XDG_DATA_HOME") or os.path.join(Path.home(), ".local", "share"), "cloudai"))


def default_database_url(data_dir: Path | None = None) -> str:
    """SQLite under the data directory: `data_dir` (CLOUDAI_DATA_DIR), else
    $XDG_DATA_HOME/cloudai, else ~/.local/share/cloudai."""
    return f"sqlite:///{default_data_dir(data_dir) / 'cloudai.db'}"


def sqlite_file(url: str) -> Path | None:
    """The file behind an SQLite URL (`sqlite:///path`, `sqlite:///file:path?mode=ro&uri=true`);
    None for PostgreSQL and in-memory databases."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or not parsed.database or parsed.database == ":memory:":
        return None
    name = parsed.database
    if name.startswith("file:"):  # a URI filename: file:path?params
        name = name.removeprefix("file:").split("?", 1)[0]
        if not name or name == ":memory:" or parsed.query.get("mode") == "memory":
            return None
    return Path(name)


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


class ContextRow(Base):
    """The last question asked in one conversation (a thread, a DM, a channel), read by the next
    one when it is a follow-up ("and in finance?"). Only what the follow-up needs: never who asked."""

    __tablename__ = "conversation_context"
    platform: Mapped[str] = mapped_column(String(20), primary_key=True)
    channel: Mapped[str] = mapped_column(String(100), primary_key=True)
    thread: Mapped[str] = mapped_column(String(100), primary_key=True)
    question: Mapped[str] = mapped_column(String(1000))
    intent: Mapped[str | None] = mapped_column(String(100))
    sections: Mapped[str] = mapped_column(Text)  # JSON: [[doc path, heading path, anchor], ...], best first
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)


class StoreProblem(Exception):
    """A state-store failure told in one line: what is wrong, and where (the SQLite file, or the
    URL with its password masked). `lasting` problems (a corrupted or read-only file) need a
    person to fix something; the others (a server down, a lock) may pass on their own."""

    def __init__(self, message: str, lasting: bool) -> None:
        super().__init__(message)
        self.lasting = lasting


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc  # the driver's own words, without SQLAlchemy's [SQL: ...]
    lines = str(orig).strip().splitlines()
    return lines[0].strip()[:200] if lines else type(orig).__name__


def explain(exc: BaseException, url: str) -> StoreProblem:
    """`exc` (from SQLAlchemy, sqlite3 or the file system) about the store at `url`, in one line."""
    reason = _first_line(exc)
    path = sqlite_file(url)
    if path is None:
        where = f"the state store {make_url(url).render_as_string(hide_password=True)}"
        if isinstance(exc, (OperationalError, DBAPIError)) and not isinstance(exc, (IntegrityError, ProgrammingError)):
            return StoreProblem(f"{where} is unreachable ({reason})", lasting=False)
        return StoreProblem(f"{where} failed ({reason})", lasting=False)
    where, low = f"the state store {path}", reason.lower()
    if "not a database" in low or "malformed" in low or "corrupt" in low:
        return StoreProblem(f"{where} is corrupted or not an SQLite database ({reason}); restore it from a backup, "
                            "or move it away to start with an empty one", lasting=True)
    if ("readonly" in low or "read-only" in low or "permission denied" in low
            or ("unable to open" in low and path.exists() and not _writable(path))):
        return StoreProblem(f"{where} is read-only ({reason}); the bot must be able to write it and its folder",
                            lasting=True)
    if "locked" in low or "busy" in low:
        return StoreProblem(f"{where} is locked by another process ({reason}); try again", lasting=False)
    if "unable to open" in low or isinstance(exc, OSError):
        return StoreProblem(f"{where} cannot be opened ({reason})", lasting=True)
    return StoreProblem(f"{where} failed ({reason})", lasting=False)


def _writable(path: Path) -> bool:
    """Can SQLite write the file and create its -wal/-shm files beside it? (os.access honours
    what stops even root: a read-only mount, the immutable attribute.)"""
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


class Journal:
    """Outcomes of posts that the database could not be told about: one JSON object a line in a
    local file, appended under a lock and fsynced, then replayed into the database (`drain`)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def add(self, entry: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as f:
            _lock(f)
            f.write(json.dumps(entry, sort_keys=True) + "\n")
            f.flush()
            os.fsync(f.fileno())

    def entries(self) -> list[dict[str, Any]]:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return []
        out = []
        for line in lines:
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
        return out

    def drain(self, apply: Callable[[dict[str, Any]], None]) -> list[dict[str, Any]]:
        """`apply` each entry in order, keeping those not applied yet (the database still down);
        the entries applied."""
        try:
            f = open(self.path, "r+", encoding="utf-8")
        except FileNotFoundError:
            return []
        with f:
            _lock(f)
            entries: list[dict[str, Any]] = []
            done: list[dict[str, Any]] = []
            left: list[dict[str, Any]] = []
            torn = False
            for line in f:
                try:
                    entries.append(json.loads(line))
                except ValueError:
                    torn = torn or bool(line.strip())  # a crash mid-write: the line was never complete
            for entry in entries:
                if left:
                    left.append(entry)
                    continue
                try:
                    apply(entry)
                    done.append(entry)
                except SQLAlchemyError:
                    left.append(entry)
            if done or torn:
                f.seek(0)
                f.truncate()
                f.writelines(json.dumps(e, sort_keys=True) + "\n" for e in left)
                f.flush()
                os.fsync(f.fileno())
        return done


def _lock(f: Any) -> None:
    try:
        import fcntl
    except ImportError:  # not on POSIX: a single process per data directory is assumed
        return
    fcntl.flock(f.fileno(), fcntl.LOCK_EX)


def _sqlite_wal(dbapi_conn: Any, _record: Any) -> None:
    """On each new SQLite connection: WAL mode, so readers never block a writer (and a writer
    never blocks readers). Persistent in the file; a read-only or damaged file keeps its mode
    and the first real statement reports the problem."""
    try:
        cursor = dbapi_conn.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
        finally:
            cursor.close()
    except sqlite3.Error as exc:
        log.debug("SQLite WAL mode not set: %s", exc)


class Store:
    """One database; safe to share between threads, and between processes through the database."""

    def __init__(self, url: str | None = None, clock: Clock = utcnow, claim_timeout: dt.timedelta | None = None,
                 owner: str | None = None, data_dir: Path | None = None) -> None:
        self.url = driver_url(url or default_database_url())
        self.file = sqlite_file(self.url)
        if self.file is not None:
            self.file.parent.mkdir(parents=True, exist_ok=True)
        if self.url.startswith("sqlite"):
            connect_args: dict[str, Any] = {"timeout": SQLITE_BUSY_SECONDS}
        elif self.url.startswith("postgresql"):
            connect_args = {"connect_timeout": PG_CONNECT_TIMEOUT}
        else:
            connect_args = {}
        self.engine: Engine = create_engine(self.url, connect_args=connect_args, pool_pre_ping=True)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_wal)
        self._session = sessionmaker(self.engine, expire_on_commit=False)
        self.clock = clock
        self.claim_timeout = claim_timeout or dt.timedelta(minutes=10)
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._writes: dict[str, int] = {}  # rows written per table, for pruning now and then
        self._create_schema()
        self._file_id = self._identity()
        if self.file is not None:  # beside the file: the journal goes wherever the database goes
            self.journal = Journal(self.file.with_name(self.file.name + "-unrecorded.jsonl"))
        else:
            key = hashlib.sha256(self.safe_url.encode()).hexdigest()[:12]
            self.journal = Journal(default_data_dir(data_dir) / f"unrecorded-digests-{key}.jsonl")
        self.finish_unrecorded()  # before anything else: what a previous run posted but could not record

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

    def _identity(self) -> tuple[int, int] | None:
        """The SQLite file's (device, inode): how a file deleted or replaced under us is noticed."""
        if self.file is None:
            return None
        try:
            st = self.file.stat()
        except OSError:
            return None
        return st.st_dev, st.st_ino

    def reachable(self) -> str | None:
        """None when the database answers; else why not (for /healthz; never the URL's password).
        An SQLite file deleted or replaced while the bot runs still answers on the connections
        already open, while every new one writes elsewhere: that is noticed here too."""
        if self._file_id is not None:
            now = self._identity()
            if now is None:
                return f"{self.file} was deleted"
            if now != self._file_id:
                return f"{self.file} was replaced by another file"
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return None
        except Exception as exc:  # any driver error means "not reachable"
            return type(exc).__name__

    def explain(self, exc: BaseException) -> StoreProblem:
        return explain(exc, self.url)

    # -- platform events ---------------------------------------------------------------------

    def first_time(self, key: str) -> bool:
        """True for exactly one caller per key across every instance on this database: how
        instances behind a load balancer answer a retried Slack event once. Keys older than
        a day are forgotten (Slack retries within minutes)."""
        now = self.clock()
        with self.engine.connect() as conn:
            quick = conn.dialect.name == "sqlite"
            if quick:  # wait briefly for another writer: the caller has a Slack ack to send
                conn.exec_driver_sql(f"PRAGMA busy_timeout = {EVENT_BUSY_MS}")
                conn.commit()
            try:
                conn.execute(insert(EventRow).values(key=key[:200], at=now))
                conn.commit()
            except IntegrityError:
                return False
            finally:
                if quick:  # the pooled connection goes back with the usual patience
                    try:
                        conn.rollback()
                        conn.exec_driver_sql(f"PRAGMA busy_timeout = {SQLITE_BUSY_SECONDS * 1000}")
                        conn.commit()
                    except SQLAlchemyError:
                        conn.invalidate()
        self._prune_sometimes(EventRow, now - dt.timedelta(days=1))
        return True

    def _prune_sometimes(self, table: "type[EventRow] | type[ContextRow]", before: dt.datetime) -> None:
        """After the first of every PRUNE_EVERY writes to `table`, delete its rows older than
        `before` (now and then, not on every write)."""
        name = table.__tablename__
        count = self._writes[name] = self._writes.get(name, 0) + 1
        if count % PRUNE_EVERY == 1:
            with self._session.begin() as s:
                s.execute(delete(table).where(table.at < before))

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

    def claim(self, platform: str, channel: str, day: dt.date, take_unconfirmed: bool = False) -> bool:
        """Claim the right to post `day`'s digest in `channel`; True for exactly one claimant.
        A claim older than `claim_timeout` that never reached the platform (a crashed instance)
        can be taken over; one whose post may have gone out ("posting") only when a person
        says so (`take_unconfirmed`, after looking at the channel)."""
        now = self.clock()
        states = ("claimed", "posting") if take_unconfirmed else ("claimed",)
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
                       DeliveryRow.state.in_(states), DeliveryRow.claimed_at < now - self.claim_timeout)
                .values(state="claimed", owner=self.owner, claimed_at=now, attempts=DeliveryRow.attempts + 1))
            return taken.rowcount == 1  # type: ignore[attr-defined]

    def begin_post(self, platform: str, channel: str, day: dt.date) -> bool:
        """Mark our claim "posting", just before the platform is called: from now on the post may
        have gone out, so the claim is never taken over blindly. False if the claim is not ours."""
        with self._session.begin() as s:
            marked = s.execute(
                update(DeliveryRow)
                .where(DeliveryRow.platform == platform, DeliveryRow.channel == channel, DeliveryRow.day == day,
                       DeliveryRow.owner == self.owner, DeliveryRow.state == "claimed")
                .values(state="posting", claimed_at=self.clock()))
            return marked.rowcount == 1  # type: ignore[attr-defined]

    def mark_posted(self, platform: str, channel: str, day: dt.date, message_id: str, owner: str | None = None,
                    at: dt.datetime | None = None) -> None:
        """Record that the digest is out in `channel`: whoever holds the row, since it is true.
        Idempotent (a second record changes nothing), so a replay from the journal is safe."""
        values = dict(state="posted", owner=owner or self.owner, posted_at=at or self.clock(), message_id=message_id)
        try:
            with self._session.begin() as s:
                done = s.execute(update(DeliveryRow)
                                 .where(DeliveryRow.platform == platform, DeliveryRow.channel == channel,
                                        DeliveryRow.day == day, DeliveryRow.state != "posted")
                                 .values(**values)).rowcount  # type: ignore[attr-defined]
                if done == 0 and s.get(DeliveryRow, (platform, channel, day)) is None:
                    s.add(DeliveryRow(platform=platform, channel=channel, day=day, claimed_at=values["posted_at"],
                                      attempts=1, **values))
        except IntegrityError:
            pass  # inserted meanwhile by another recorder of the same post

    def release(self, platform: str, channel: str, day: dt.date, owner: str | None = None) -> None:
        """Give up a claim after a failed post, so a later attempt (ours or another's) posts."""
        with self._session.begin() as s:
            s.execute(delete(DeliveryRow)
                      .where(DeliveryRow.platform == platform, DeliveryRow.channel == channel, DeliveryRow.day == day,
                             DeliveryRow.owner == (owner or self.owner),
                             DeliveryRow.state.in_(("claimed", "posting"))))

    def remember(self, outcome: str, platform: str, channel: str, day: dt.date, message_id: str = "",
                 at: dt.datetime | None = None) -> None:
        """Keep locally what could not be recorded: `outcome` "posted" (with its message id) or
        "failed" (the post did not go out); recorded by `finish_unrecorded`, at the latest on
        the next start."""
        self.journal.add({"outcome": outcome, "platform": platform, "channel": channel, "day": day.isoformat(),
                          "owner": self.owner, "message_id": message_id, "at": (at or self.clock()).isoformat()})

    def finish_unrecorded(self) -> list[dict[str, Any]]:
        """Record what an earlier run kept in the journal; the entries recorded now. Quiet when
        the database is still down (they stay for next time)."""
        def apply(entry: dict[str, Any]) -> None:
            day = dt.date.fromisoformat(entry["day"])
            if entry["outcome"] == "posted":
                self.mark_posted(entry["platform"], entry["channel"], day, entry["message_id"], owner=entry["owner"],
                                 at=dt.datetime.fromisoformat(entry["at"]))
            else:
                self.release(entry["platform"], entry["channel"], day, owner=entry["owner"])
            log.info("recorded now: the digest for %s %s %s:%s (kept in %s)", day, entry["outcome"],
                     entry["platform"], entry["channel"], self.journal.path)

        try:
            return self.journal.drain(apply)
        except OSError as exc:
            log.warning("cannot read %s: %s", self.journal.path, exc)
            return []

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

    # -- conversation context (bot/context.py reads and writes it) ---------------------------

    def save_context(self, platform: str, channel: str, thread: str, question: str, intent: str | None,
                     sections: list[tuple[str, str, str]], at: dt.datetime) -> None:
        """Replace the conversation's last question (one row per conversation)."""
        key = (platform[:20], channel[:100], thread[:100])
        values = dict(question=question[:1000], intent=intent, sections=json.dumps(sections), at=at)
        try:
            with self._session.begin() as s:
                s.add(ContextRow(platform=key[0], channel=key[1], thread=key[2], **values))
        except IntegrityError:  # the conversation already has a row (perhaps written by another instance)
            with self._session.begin() as s:
                s.execute(update(ContextRow).where(ContextRow.platform == key[0], ContextRow.channel == key[1],
                                                   ContextRow.thread == key[2]).values(**values))
        self._prune_sometimes(ContextRow, at - dt.timedelta(days=1))  # conversations long over

    def load_context(self, platform: str, channel: str, thread: str
                     ) -> tuple[str, str | None, list[tuple[str, str, str]], dt.datetime] | None:
        """The conversation's last (question, intent, sections, time), or None."""
        with self._session() as s:
            row = s.get(ContextRow, (platform[:20], channel[:100], thread[:100]))
            if row is None:
                return None
            sections = [(str(p), str(h), str(a)) for p, h, a in json.loads(row.sections or "[]")]
            return row.question, row.intent, sections, _aware(row.at)


def _aware(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; everything stored is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
