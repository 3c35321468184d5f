"""Hardening the state store (issue 13): a database outage in the middle of a digest post,
SQLite in WAL mode with a short wait on the Slack event path, a corrupted, read-only or
deleted SQLite file.

Real parts throughout: `cloudai digest post` as a process against the fake Slack (made slow),
a real PostgreSQL server of the tests' own that is stopped and started again mid-post, real
SQLite files damaged, locked, made read-only and deleted.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable, Iterator

import pytest
from sqlalchemy.exc import OperationalError

from adapters.http import HTTPServer, serve_in_background
from bot.assistant import Assistant
from bot.health import Health, ops_app
from bot.live import LiveAssistant
from bot.metrics import Metrics
from bot.store import Store

from .conftest import ROOT, run_cloudai
from .postgres import Server, start_own
from .slack_fake import FakeSlack, start_fake_slack
from .test_digest import DAY, Clock, Recorder, service

pytestmark = pytest.mark.slow  # `cloudai` processes, fake Slack, PostgreSQL

POST = "/api/chat.postMessage"


@pytest.fixture(scope="module")
def own_pg() -> Iterator[Server]:
    """A PostgreSQL server only these tests use: they stop it and start it again."""
    server, why = start_own()
    if server is None:
        pytest.skip(f"PostgreSQL outage tests skipped: {why}")
    yield server
    server.stop()


@pytest.fixture()
def slow_slack() -> Iterator[Callable[[float], FakeSlack]]:
    fakes: list[FakeSlack] = []

    def start(seconds: float) -> FakeSlack:
        fakes.append(start_fake_slack({"chat.postMessage": seconds}))
        return fakes[-1]

    yield start
    for fake in fakes:
        fake.server.shutdown()


def digest_env(slack: FakeSlack, tmp_path: Path, **extra: str) -> dict[str, str]:
    return {"CLOUDAI_DATA_DIR": str(tmp_path / "data"), "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_API_URL": f"{slack.url}/api/", "SLACK_DIGEST_CHANNEL": "C-digest",
            "CLOUDAI_DIGEST_TZ": "Europe/Paris", **extra}


def start_cloudai(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    """`cloudai ARGS` started in the background, environment as `run_cloudai` builds it."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "CLOUDAI_", "PORT"))}
    return subprocess.Popen([sys.executable, "-m", "app.cli", *args], cwd=ROOT, text=True,
                            env={**clean, "PYTHONPATH": str(ROOT), **env},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_for(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        time.sleep(0.05)


def sleep_until(moment: float) -> None:
    time.sleep(max(0.0, moment - time.monotonic()))


def assert_already_out(run: subprocess.CompletedProcess[str]) -> None:
    """One true message: the digest is out, and nothing else is claimed about it."""
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    assert "slack:C-digest: already posted" in run.stdout and "nothing to post" in run.stdout
    assert "in progress" not in run.stdout and "posted but not recorded" not in run.stdout


# -- 6. a database outage while the digest is being posted ------------------------------------

def test_a_database_outage_during_the_post_still_posts_the_digest_once(own_pg: Server, slow_slack,
                                                                       tmp_path: Path) -> None:
    """Slack takes 6 s to answer; PostgreSQL stops 3 s into the post and is back about 8 s in.
    The post is out, so it is recorded once the database answers again (not a traceback), and
    neither the next run nor one after the claim timeout posts again."""
    slack = slow_slack(6.0)
    env = digest_env(slack, tmp_path, CLOUDAI_DATABASE_URL=own_pg.new_database(),
                     CLOUDAI_DIGEST_CLAIM_TIMEOUT="20")
    first = start_cloudai(["digest", "post"], env)
    try:
        wait_for(lambda: slack.count(POST) == 1, 60, "the digest post")
        arrived = time.monotonic()  # the claim was taken just before this
        sleep_until(arrived + 3)
        own_pg.halt()
        sleep_until(arrived + 7.5)  # Slack has answered (at 6 s) into a dead database
        own_pg.resume()
        out, err = first.communicate(timeout=60)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0, out + err
    assert "Traceback" not in err
    assert "slack:C-digest: posted" in out and "not recorded" not in out
    assert "recording that failed" in err and "retrying until" in err  # the outage was met, and waited out

    assert_already_out(run_cloudai(["digest", "post"], env))
    sleep_until(arrived + 21)  # the claim, had it stayed a claim, would have expired by now
    assert_already_out(run_cloudai(["digest", "post"], env))
    assert slack.count(POST) == 1


def test_a_post_the_database_could_not_hear_of_is_recorded_at_the_next_start(own_pg: Server, slow_slack,
                                                                              tmp_path: Path) -> None:
    """The database stays down for longer than the claim lasts: the run says the digest is out
    but not recorded, keeps that in a local file, exits 1 without a traceback; the next run
    records it before anything else, so the expired claim is not posted again."""
    slack = slow_slack(2.0)
    url = own_pg.new_database()
    env = digest_env(slack, tmp_path, CLOUDAI_DATABASE_URL=url, CLOUDAI_DIGEST_CLAIM_TIMEOUT="10")
    first = start_cloudai(["digest", "post"], env)
    try:
        wait_for(lambda: slack.count(POST) == 1, 60, "the digest post")
        arrived = time.monotonic()
        sleep_until(arrived + 1)
        own_pg.halt()
        out, err = first.communicate(timeout=60)
        assert time.monotonic() < arrived + 10, "gave up recording before the claim could expire"
        down = run_cloudai(["digest", "post"], env)  # the database is still down
    finally:
        if first.poll() is None:
            first.kill()
        own_pg.resume()
    assert first.returncode == 1 and "Traceback" not in err, out + err
    (line,) = [line for line in out.splitlines() if line.startswith("slack:C-digest:")]
    assert line.startswith("slack:C-digest: posted but not recorded (the state store postgresql")
    assert "is unreachable" in line and "recorded at the next start" in line
    journal = next((tmp_path / "data").glob("unrecorded-digests-*.jsonl"))
    assert str(journal) in line
    (kept,) = [json.loads(x) for x in journal.read_text().splitlines()]
    assert kept["outcome"] == "posted" and kept["channel"] == "C-digest"

    assert down.returncode == 1 and down.stdout == "" and "Traceback" not in down.stderr
    assert len(down.stderr.strip().splitlines()) == 1 and "is unreachable" in down.stderr

    sleep_until(arrived + 11)  # well past the claim's expiry
    assert_already_out(run_cloudai(["digest", "post"], env))
    assert slack.count(POST) == 1
    assert journal.read_text() == ""
    store = Store(url, data_dir=tmp_path / "data")
    delivery = store.delivery("slack", "C-digest", dt.date.fromisoformat(kept["day"]))
    assert delivery is not None and delivery.state == "posted" and delivery.message_id == kept["message_id"]
    store.close()


def test_a_claim_that_expired_while_posting_is_not_posted_again_blindly(bundled: Assistant, db_url: str) -> None:
    """An instance began posting and vanished: the post may be out. After the claim expires
    it is "unconfirmed", not posted again, until a person who looked says so."""
    clock = Clock(dt.datetime(2026, 11, 24, 8, 30, tzinfo=dt.timezone.utc))
    crashed = Store(db_url, clock=clock, claim_timeout=dt.timedelta(minutes=10))
    assert crashed.claim("slack", "C-digest", DAY) and crashed.begin_post("slack", "C-digest", DAY)
    # ...and the process dies while Slack is answering
    recorder = Recorder()
    survivor = Store(db_url, clock=clock, claim_timeout=dt.timedelta(minutes=10))
    svc = service(bundled, survivor, recorder.target, clock=clock)
    clock.now += dt.timedelta(minutes=5)
    (busy,) = asyncio.run(svc.post(DAY))
    assert busy.status == "in progress elsewhere" and "is posting it" in busy.detail
    clock.now += dt.timedelta(minutes=6)
    (doubt,) = asyncio.run(svc.post(DAY))
    assert doubt.status == "unconfirmed" and "--repost-unconfirmed" in doubt.detail
    assert recorder.posted == []
    (again,) = asyncio.run(svc.post(DAY, repost_unconfirmed=True))  # someone looked: it is not there
    assert again.status == "posted" and len(recorder.posted) == 1
    assert survivor.delivery("slack", "C-digest", DAY).attempts == 2  # type: ignore[union-attr]
    crashed.close()
    survivor.close()


def test_a_shutdown_while_a_record_is_retried_keeps_it_for_the_next_start(bundled: Assistant, tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The bot is stopped (SIGTERM) while it retries recording a post: it does not wait the
    claim out, it keeps the post in the journal, and the next start records it."""
    url = f"sqlite:///{tmp_path / 'state.db'}"
    store = Store(url, claim_timeout=dt.timedelta(minutes=10))
    recorder = Recorder()
    svc = service(bundled, store, recorder.target)

    def down(*args: object, **kwargs: object) -> None:
        raise OperationalError("UPDATE digest_deliveries …", {}, sqlite3.OperationalError("disk I/O error"))

    monkeypatch.setattr(store, "mark_posted", down)
    threading.Timer(1.0, svc.stopping.set).start()  # what DigestScheduler.stop does
    started = time.monotonic()
    (outcome,) = asyncio.run(svc.post(DAY))
    assert time.monotonic() - started < 5
    assert outcome.status == "posted but not recorded" and "disk I/O error" in outcome.detail
    assert str(store.journal.path) in outcome.detail and len(recorder.posted) == 1
    store.close()

    restarted = Store(url, claim_timeout=dt.timedelta(minutes=10))
    assert restarted.journal.entries() == []
    assert restarted.delivery("slack", "C-digest", DAY).state == "posted"  # type: ignore[union-attr]
    (again,) = asyncio.run(service(bundled, restarted, recorder.target).post(DAY))
    assert again.status == "already posted" and len(recorder.posted) == 1
    restarted.close()


# -- 7. SQLite: WAL, and a short wait where an answer is waiting ------------------------------

def test_sqlite_runs_in_wal_mode_so_a_reader_does_not_block_a_writer(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    store = Store(f"sqlite:///{path}")
    reader = sqlite3.connect(path, isolation_level=None)
    try:
        reader.execute("BEGIN")
        assert reader.execute("SELECT count(*) FROM digest_deliveries").fetchone()[0] == 0  # a read transaction
        claimed: list[bool] = []
        writer = threading.Thread(target=lambda: claimed.append(store.claim("slack", "C1", DAY)), daemon=True)
        started = time.monotonic()
        writer.start()
        writer.join(5)
        assert claimed == [True], "the write waited for the reader"
        assert time.monotonic() - started < 2
        assert reader.execute("SELECT count(*) FROM digest_deliveries").fetchone()[0] == 0  # its own snapshot
        reader.execute("COMMIT")
        assert reader.execute("SELECT count(*) FROM digest_deliveries").fetchone()[0] == 1
        assert reader.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        reader.close()
        store.close()


def test_the_slack_event_write_waits_only_briefly_for_a_locked_sqlite_file(tmp_path: Path) -> None:
    """Another process holds the write lock: the event-dedupe write (in Slack's 3-second ack
    path) gives up within a second, so the adapter can fall back to memory; other writes
    still wait their usual while."""
    path = tmp_path / "state.db"
    store = Store(f"sqlite:///{path}")
    blocker = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        blocker.execute("BEGIN IMMEDIATE")  # the write lock, held
        failures: list[BaseException] = []

        def dedupe() -> None:
            try:
                store.first_time("Ev-locked")
            except BaseException as exc:  # noqa: BLE001 - what the adapter sees
                failures.append(exc)

        thread = threading.Thread(target=dedupe, daemon=True)
        started = time.monotonic()
        thread.start()
        thread.join(5)
        assert not thread.is_alive(), "the event write waited for the lock as long as any write"
        assert time.monotonic() - started < 2
        assert len(failures) == 1 and isinstance(failures[0], OperationalError) and "locked" in str(failures[0])

        with store.engine.connect() as conn:  # the pooled connection is back to the usual patience
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
        threading.Timer(1.5, lambda: blocker.execute("ROLLBACK")).start()
        assert store.claim("slack", "C1", DAY)  # waits out a lock held 1.5 s
        assert store.first_time("Ev-locked") and not store.first_time("Ev-locked")
    finally:
        blocker.close()
        store.close()


# -- 8. a corrupted, read-only or deleted SQLite file -----------------------------------------

def corrupt(path: Path, how: str) -> None:
    if how == "random bytes":
        path.write_bytes(os.urandom(8192))
        return
    Store(f"sqlite:///{path}").close()  # a real database, then its pages after the first damaged
    size = path.stat().st_size
    with open(path, "r+b") as f:
        f.seek(4096)
        f.write(os.urandom(size - 4096))


@pytest.mark.parametrize("how", ["random bytes", "damaged pages"])
def test_a_corrupted_sqlite_file_is_one_line_naming_it(tmp_path: Path, how: str) -> None:
    data = tmp_path / "data"
    data.mkdir()
    path = data / "cloudai.db"
    corrupt(path, how)
    slack = start_fake_slack()
    try:
        for args in (["digest", "post"], ["digest", "preview"], ["feedback"]):
            run = run_cloudai(args, digest_env(slack, tmp_path))
            assert run.returncode == 2, (args, run.stdout, run.stderr)
            assert "Traceback" not in run.stderr and len(run.stderr.strip().splitlines()) == 1, run.stderr
            assert f"the state store {path} is corrupted" in run.stderr, run.stderr
        assert slack.settle(0.1) == []
    finally:
        slack.server.shutdown()


@pytest.mark.parametrize("how", ["mode=ro URL", "chattr +i"])
def test_a_read_only_sqlite_file_is_one_line_naming_it(tmp_path: Path, how: str) -> None:
    """As root (the tests' usual user) chmod 0444 stops nothing, so read-only is made two ways
    that hold for root too: SQLite's own read-only open (`?mode=ro&uri=true`), and the
    immutable attribute (`chattr +i`, file and folder; skipped where the file system or the
    container's capabilities do not allow it)."""
    data = tmp_path / "data"
    path = data / "cloudai.db"
    Store(f"sqlite:///{path}").close()
    slack = start_fake_slack()
    extra: dict[str, str] = {}
    locked: list[Path] = []
    try:
        if how == "chattr +i":
            for target in (path, data):
                made = subprocess.run(["chattr", "+i", str(target)], capture_output=True, text=True)
                if made.returncode != 0:
                    pytest.skip(f"chattr +i is not possible here: {made.stderr.strip()}")
                locked.append(target)
        else:
            extra["CLOUDAI_DATABASE_URL"] = f"sqlite:///file:{path}?mode=ro&uri=true"
        run = run_cloudai(["digest", "post"], digest_env(slack, tmp_path, **extra))
        assert run.returncode == 2, run.stdout + run.stderr
        assert "Traceback" not in run.stderr and len(run.stderr.strip().splitlines()) == 1, run.stderr
        assert f"the state store {path} is read-only" in run.stderr, run.stderr
        assert slack.settle(0.1) == []  # nothing posted that could not be recorded
    finally:
        for target in locked:
            subprocess.run(["chattr", "-i", str(target)], capture_output=True)
        slack.server.shutdown()


def healthz(base: str) -> tuple[int, dict[str, object]]:
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_healthz_fails_when_the_sqlite_file_is_deleted_or_replaced(bundled: Assistant, tmp_path: Path) -> None:
    path = tmp_path / "data" / "cloudai.db"
    store = Store(f"sqlite:///{path}")
    live = LiveAssistant(bundled)
    server = HTTPServer(ops_app(Health(live, Metrics(), store)), "127.0.0.1", 0)
    stop = serve_in_background(server, "health")
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        assert store.first_time("Ev-1")  # connections open on the file, as in a running bot
        assert healthz(base) == (200, {"knowledge": {"documents": len(bundled.kb.documents),
                                                     "sections": len(bundled.kb.sections)},
                                       "store": "ok", "status": "ok"})
        path.unlink()
        status, report = healthz(base)
        assert status == 503 and report["status"] == "failing"
        assert report["store"] == f"unreachable ({path} was deleted)"
        path.write_bytes(b"")  # something else in its place is not our database either
        status, report = healthz(base)
        assert status == 503 and report["store"] == f"unreachable ({path} was replaced by another file)"
    finally:
        stop()
        store.close()
