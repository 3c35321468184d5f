"""A fake Slack for tests: the Web API and response URLs on 127.0.0.1, and a signed client.

Real HTTP both ways: the adapter under test runs its own HTTP server with real signature
checks; requests to it are signed like Slack's; its Web API calls and `response_url`
posts land here and are recorded for the test to inspect (errbot's push/pop, for Slack).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from slack_sdk.signature import SignatureVerifier

from adapters.slack import SlackAdapter, SlackSettings, http_server
from bot.settings import Settings

SIGNING_SECRET = "test-signing-secret"
BOT_USER = "UBOT"
FORM = "application/x-www-form-urlencoded"  # slash commands and interactions
JSON = "application/json"  # events


@dataclass
class Posted:
    """One request the adapter sent to the fake: a Web API method or a response_url post."""

    path: str
    body: dict[str, Any]
    authorization: str = ""

    @property
    def texts(self) -> list[str]:
        """Every piece of text the user would see: the fallback and all block texts."""
        out = [str(self.body.get("text", ""))]

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                for key, value in node.items():
                    if key == "text" and isinstance(value, str):
                        out.append(value)
                    else:
                        walk(value)
            elif isinstance(node, list):
                for item in node:
                    walk(item)

        walk(self.body.get("blocks", []))
        return out


@dataclass
class FakeSlack:
    """The fake Web API server; `posted` holds what the adapter sent, in order."""

    server: ThreadingHTTPServer
    posted: list[Posted] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    delays: dict[str, float] = field(default_factory=dict)  # Web API method → seconds before it answers

    def count(self, path_part: str) -> int:
        """How many recorded requests have `path_part` in their path (without popping them)."""
        with self.lock:
            return sum(path_part in p.path for p in self.posted)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def pop(self, path_part: str, timeout: float = 10.0) -> Posted:
        """The first recorded request whose path contains `path_part` (waits for it)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                for i, p in enumerate(self.posted):
                    if path_part in p.path:
                        return self.posted.pop(i)
            time.sleep(0.02)
        raise AssertionError(f"nothing posted to {path_part!r}; got {[p.path for p in self.posted]}")

    def settle(self, seconds: float = 0.5) -> list[Posted]:
        """Everything posted after giving the adapter `seconds` to finish (for 'nothing else')."""
        time.sleep(seconds)
        with self.lock:
            out, self.posted[:] = list(self.posted), []
        return out


def settings_for(fake: FakeSlack) -> Settings:
    """Settings for the Slack adapter in HTTP mode against this fake (no .env read)."""
    return Settings(_env_file=None).given(SlackSettings(  # type: ignore[call-arg]
        _env_file=None, bot_token="xoxb-test", signing_secret=SIGNING_SECRET, api_url=f"{fake.url}/api/", mode="http"))


@contextmanager
def serving(adapter: SlackAdapter) -> Iterator[str]:
    """`adapter` served over real HTTP on 127.0.0.1 (the production server, on a free port) for
    the block: its base URL (events go to `{url}/slack/events`)."""
    server = http_server(adapter, "127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def start_fake_slack(delays: dict[str, float] | None = None) -> FakeSlack:
    """`delays`: e.g. {"chat.postMessage": 6}, a slow Slack: the request is recorded (the message
    is out) when it arrives, and answered that many seconds later."""
    fake: FakeSlack

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:  # noqa: N802
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")
            if "json" in (self.headers.get("Content-Type") or ""):
                body = json.loads(raw or "{}")
            else:
                body = {k: v[0] for k, v in urllib.parse.parse_qs(raw).items()}
                for key in ("blocks",):
                    if isinstance(body.get(key), str):
                        body[key] = json.loads(body[key])
            if self.path.endswith("/auth.test"):
                answer = {"ok": True, "user_id": BOT_USER, "bot_id": "BBOT", "team_id": "T1", "user": "cloudai"}
            else:
                with fake.lock:
                    fake.posted.append(Posted(self.path, body, self.headers.get("Authorization", "")))
                answer = {"ok": True, "channel": body.get("channel", "C1"), "ts": f"{time.time():.6f}"}
                time.sleep(fake.delays.get(self.path.rsplit("/", 1)[-1], 0.0))
            data = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake = FakeSlack(server, delays=dict(delays or {}))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return fake


def signed_post(url: str, body: str, content_type: str, *, secret: str = SIGNING_SECRET,
                timestamp: int | None = None, headers: dict[str, str] | None = None) -> tuple[int, str]:
    """POST `body` to the adapter signed as Slack signs it; (status, response text)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    req = urllib.request.Request(url, data=body.encode("utf-8"), method="POST", headers={
        "Content-Type": content_type, "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature,
        **(headers or {}),
    })
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read().decode("utf-8")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8")


def slash_command(fake: FakeSlack, text: str, user_name: str = "jane") -> str:
    return urllib.parse.urlencode({
        "token": "legacy", "team_id": "T1", "channel_id": "C1", "channel_name": "general", "user_id": "U1",
        "user_name": user_name, "command": "/cloudai", "text": text, "api_app_id": "A1",
        "response_url": f"{fake.url}/response/cmd", "trigger_id": "1.2.3",
    })


def event_callback(event: dict[str, Any], event_id: str) -> str:
    return json.dumps({"token": "legacy", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
                       "event_id": event_id, "event_time": int(time.time()), "event": event,
                       "authorizations": [{"team_id": "T1", "user_id": BOT_USER, "is_bot": True}]})


def block_action(fake: FakeSlack, action_id: str, value: str, message: dict[str, Any] | None = None) -> str:
    payload = {
        "type": "block_actions", "team": {"id": "T1"}, "user": {"id": "U2", "username": "sam", "name": "sam"},
        "api_app_id": "A1", "token": "legacy", "trigger_id": "1.2.3", "channel": {"id": "C1", "name": "general"},
        "container": {"type": "message", "message_ts": "111.222", "channel_id": "C1", "is_ephemeral": False},
        "message": message or {"type": "message", "ts": "111.222", "text": "an answer", "blocks": []},
        "response_url": f"{fake.url}/response/action",
        "actions": [{"type": "button", "action_id": action_id, "block_id": "b1", "value": value,
                     "action_ts": "111.333", "text": {"type": "plain_text", "text": "x"}}],
    }
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


