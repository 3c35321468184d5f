"""`cloudai slack` in Socket Mode (its default), end to end over a fake Socket Mode endpoint.

The real command runs as a subprocess with a clean environment; it fetches its WebSocket URL
with `apps.connections.open`, connects with slack_sdk's own client, and gets envelopes the
way Slack delivers them. The tests assert what the platform and the user would see: every
envelope acked within Slack's 3 seconds, answers posted where they belong, nothing posted
twice, no live mentions, a clean stop on SIGTERM, and /healthz beside the socket.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .conftest import ROOT, free_port
from .slack_socket_fake import ACK_DEADLINE, APP_TOKEN, BOT_TOKEN, FakeSocketSlack, start_fake_socket_slack

pytestmark = pytest.mark.slow  # a fake Slack Socket Mode server

# the same pattern as tests/test_slack.py: anything Slack would turn into a ping
LIVE_MENTION = re.compile(r"<!(channel|here|everyone)[^>]*>|<@U|<#C|<!subteam")


@dataclass
class Bot:
    """A running `cloudai slack` and where its log goes (a file: no pipe to fill up)."""

    proc: subprocess.Popen[bytes]
    log_path: Path

    @property
    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def alive(self) -> bool:
        return self.proc.poll() is None


@contextmanager
def cloudai_slack(fake: FakeSocketSlack, work: Path, **extra: str) -> Iterator[Bot]:
    """`cloudai slack` (Socket Mode) against `fake`, connected; killed on the way out whatever happened."""
    work.mkdir(parents=True, exist_ok=True)
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "CLOUDAI_", "PORT"))}
    env = {**clean, "PYTHONPATH": str(ROOT), "HOME": str(work), "PYTHONUNBUFFERED": "1",
           "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": APP_TOKEN, "SLACK_API_URL": fake.api_url,
           "CLOUDAI_DATA_DIR": str(work / "data"), **extra}
    log_path = work / "cloudai.log"
    connected = fake.connections + 1
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "app.cli", "slack"], cwd=work, env=env,
                                stdout=log, stderr=subprocess.STDOUT)
    bot = Bot(proc, log_path)
    try:
        try:
            fake.wait_connected(connected, timeout=30, alive=bot.alive)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n--- cloudai's log ---\n{bot.log}") from None
        yield bot
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeSocketSlack]:
    with start_fake_socket_slack() as server:
        yield server


@pytest.fixture(scope="module")
def health_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def bot(fake: FakeSocketSlack, health_port: int, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bot]:
    """One bot for the answering tests (start-up loads the knowledge: pay it once)."""
    with cloudai_slack(fake, tmp_path_factory.mktemp("socket"), CLOUDAI_HEALTH_PORT=str(health_port),
                       CLOUDAI_HOST="127.0.0.1") as running:
        yield running
    assert fake.unacked() == [], "every envelope gets an ack"
    assert fake.unexpected == [], "the bot sends only acks over the socket"


def acked(fake: FakeSocketSlack, envelope_id: str, n: int = 1) -> dict[str, Any] | None:
    """The ack's payload, after checking it came within Slack's deadline."""
    ack = fake.wait_ack(envelope_id, timeout=10, n=n)
    assert ack.latency < ACK_DEADLINE, f"acked after {ack.latency:.2f}s; Slack gives up after {ACK_DEADLINE}s"
    return ack.payload


def shown(posted_texts: list[str]) -> str:
    return "\n".join(posted_texts)


# -- answering -------------------------------------------------------------------------------

def test_connects_with_the_app_token_and_says_so(fake: FakeSocketSlack, bot: Bot) -> None:
    assert fake.opened >= 1 and fake.connections >= 1
    assert "connecting to Slack in Socket Mode" in bot.log
    assert APP_TOKEN not in bot.log and BOT_TOKEN not in bot.log


def test_slash_command_is_acked_and_answered_in_channel(fake: FakeSocketSlack, bot: Bot) -> None:
    envelope = fake.push(fake.slash_command("best practices", user_name="jane"))
    assert acked(fake, envelope) is None  # an empty ack: the answer follows via response_url
    posted = fake.pop("/response/cmd", timeout=10)
    assert posted.body["response_type"] == "in_channel"
    text = shown(posted.texts)
    assert "Best Practices" in posted.body["text"]
    assert "*jane* asked: best practices" in text
    assert fake.settle(0.3) == [], "answered once"


def test_bare_slash_command_gets_help_in_the_ack_itself(fake: FakeSocketSlack, bot: Bot) -> None:
    envelope = fake.push(fake.slash_command(""))
    payload = acked(fake, envelope)
    assert payload is not None and payload["response_type"] == "ephemeral"
    assert "How to use cloudai" in json.dumps(payload["blocks"])
    assert fake.settle(0.3) == []


def test_mention_is_answered_in_its_thread(fake: FakeSocketSlack, bot: Bot) -> None:
    event = {"type": "app_mention", "user": "U1", "text": "<@UBOT> what is AIaaS?", "ts": "1700000000.000100",
             "channel": "C1", "event_ts": "1700000000.000100"}
    envelope = fake.push(fake.events_api(event, "Ev-sm-mention"))
    acked(fake, envelope)
    posted = fake.pop("/api/chat.postMessage", timeout=10)
    assert posted.body["channel"] == "C1"
    assert posted.body["thread_ts"] == "1700000000.000100"
    assert posted.authorization == f"Bearer {BOT_TOKEN}"
    assert "AI Infrastructure as a Service" in shown(posted.texts)
    assert fake.settle(0.3) == []


def test_redelivered_event_is_acked_every_time_and_answered_once(fake: FakeSocketSlack, bot: Bot) -> None:
    event = {"type": "app_mention", "user": "U1", "text": "<@UBOT> key trends", "ts": "1700000002.000300",
             "channel": "C1", "event_ts": "1700000002.000300"}
    first = fake.events_api(event, "Ev-sm-retry")
    fake.push(first)
    fake.push(first)  # the very same envelope again
    retry = fake.events_api(event, "Ev-sm-retry", retry_attempt=1, retry_reason="timeout")  # Slack's retry
    fake.push(retry)
    acked(fake, first["envelope_id"], n=1)
    acked(fake, first["envelope_id"], n=2)
    acked(fake, retry["envelope_id"])
    posted = fake.pop("/api/chat.postMessage", timeout=10)
    assert "Key Trends" in shown(posted.texts)
    assert fake.settle(1.0) == [], "a redelivered event is answered once"


def test_channel_wide_mentions_in_a_question_never_ping(fake: FakeSocketSlack, bot: Bot) -> None:
    question = "<!channel> <!here> <!everyone> @channel <@U999> best practices"
    envelope = fake.push(fake.slash_command(question))
    acked(fake, envelope)
    posted = fake.pop("/response/cmd", timeout=10)
    text = shown(posted.texts)
    assert "Best Practices" in posted.body["text"]  # still answered...
    assert not LIVE_MENTION.search(text + json.dumps(posted.body)), text  # ...and nobody is pinged

    event = {"type": "app_mention", "user": "U1", "text": f"<@UBOT> {question}", "ts": "1700000003.000400",
             "channel": "C1", "event_ts": "1700000003.000400"}
    acked(fake, fake.push(fake.events_api(event, "Ev-sm-channel")))
    posted = fake.pop("/api/chat.postMessage", timeout=10)
    assert not LIVE_MENTION.search(shown(posted.texts) + json.dumps(posted.body)), posted.body
    assert fake.settle(0.3) == []


def test_feedback_button_over_the_socket_thanks_the_user(fake: FakeSocketSlack, bot: Bot) -> None:
    value = json.dumps({"q": "best practices", "s": "Best Practices", "i": "best_practices"})
    message = {"type": "message", "ts": "111.222", "text": "Best practices: …", "blocks": [
        {"type": "section", "block_id": "answer", "text": {"type": "mrkdwn", "text": "the answer"}},
        {"type": "actions", "block_id": "cloudai_feedback", "elements": []},
    ]}
    acked(fake, fake.push(fake.block_action("cloudai_feedback_up", value, message)))
    posted = fake.pop("/response/action", timeout=10)
    assert posted.body["replace_original"] is True
    assert "Thanks for the feedback" in shown(posted.texts)


def test_healthz_is_served_beside_the_socket(bot: Bot, health_port: int) -> None:
    deadline = time.monotonic() + 15
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{health_port}/healthz", timeout=5) as resp:
                status, body = resp.status, json.loads(resp.read())
            break
        except OSError as exc:
            assert bot.alive() and time.monotonic() < deadline, f"/healthz: {exc}\n{bot.log}"
            time.sleep(0.1)
    assert status == 200 and body["status"] == "ok", body
    assert body["knowledge"]["documents"] > 0


# -- the connection ----------------------------------------------------------------------------

def test_refresh_requested_reconnects_and_keeps_answering(tmp_path: Path) -> None:
    """Slack asks every app to reconnect every few hours; the bot must fetch a new URL and go on."""
    with start_fake_socket_slack() as fake, cloudai_slack(fake, tmp_path / "app") as running:
        opened = fake.opened
        fake.ask_to_reconnect()
        fake.wait_connected(2, timeout=20, alive=running.alive)
        assert fake.opened == opened + 1  # a fresh URL from apps.connections.open
        # slack_sdk's built-in client takes up to ~3 s (its receive timeout) to leave the old
        # socket before it reads the new one, so this ack is not held to Slack's 3 s here
        envelope = fake.push(fake.slash_command("best practices"))
        fake.wait_ack(envelope, timeout=10)
        assert "Best Practices" in fake.pop("/response/cmd", timeout=10).body["text"]
        assert running.alive()


def test_rejected_app_token_is_one_line_and_exit_2(tmp_path: Path) -> None:
    with start_fake_socket_slack(app_token="xapp-the-real-one") as fake:
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "CLOUDAI_", "PORT"))}
        proc = subprocess.run([sys.executable, "-m", "app.cli", "slack"], cwd=tmp_path, capture_output=True,
                              text=True, timeout=60,
                              env={**clean, "PYTHONPATH": str(ROOT), "HOME": str(tmp_path),
                                   "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": APP_TOKEN,
                                   "SLACK_API_URL": fake.api_url, "CLOUDAI_DATA_DIR": str(tmp_path / "data")})
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 2
    assert "SLACK_APP_TOKEN" in proc.stderr and "invalid_auth" in proc.stderr


# -- stopping --------------------------------------------------------------------------------

def test_sigterm_stops_gracefully(tmp_path: Path) -> None:
    """A bot of its own on a fake of its own: stopping must not depend on the other tests."""
    with start_fake_socket_slack() as fake, cloudai_slack(fake, tmp_path / "app") as running:
        acked(fake, fake.push(fake.slash_command("best practices")))
        assert "Best Practices" in fake.pop("/response/cmd", timeout=10).body["text"]
        started = time.monotonic()
        running.proc.send_signal(signal.SIGTERM)
        code = running.proc.wait(15)
        took = time.monotonic() - started
    log = running.log
    assert code == 0, log
    assert took < 15
    assert "stopped on a signal" in log, log
    assert "Traceback" not in log, log
