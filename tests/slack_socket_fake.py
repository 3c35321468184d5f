"""A fake Slack Socket Mode endpoint on 127.0.0.1, for the real bot's Socket Mode client.

slack_sdk's built-in Socket Mode client (the one Bolt's `SocketModeHandler` uses) calls
`apps.connections.open` with the app-level token, then opens the WebSocket URL it got; any
port other than 443 is plain TCP, so a `ws://127.0.0.1:PORT/link` URL works unmodified.
This fake serves both on one aiohttp server running in a thread of its own (so sync tests
and asyncio tests can drive it alike):

- `POST /api/apps.connections.open`: checks the `xapp-` token as Slack does and returns the
  WebSocket URL; every other `/api/` method is forwarded to a `FakeSlack` (tests/slack_fake.py),
  which records `chat.postMessage` and answers `auth.test`; `response_url`s point straight at
  that FakeSlack, so `pop`/`settle` see Web API calls and response_url posts alike;
- `GET /link`: sends `hello` on connect (Slack's first frame), delivers the envelopes the test
  `push`es, and records every ack (`{"envelope_id": …, "payload": …}`) with when it arrived,
  so a test can assert each envelope was acked, and within Slack's 3 seconds.

Envelopes follow Slack's documented shapes ("Using Socket Mode"): `slash_commands` carries
the slash command's fields as a JSON object and accepts a response payload; `events_api`
carries the Events API `event_callback` body (and `retry_attempt`/`retry_reason` on
retries); `interactive` carries the interaction payload.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import WSMsgType, web

from .slack_fake import BOT_USER, FakeSlack, Posted, start_fake_slack

APP_TOKEN = "xapp-test"
BOT_TOKEN = "xoxb-test"
ACK_DEADLINE = 3.0  # seconds: Slack shows the user an error when an envelope is not acked in time


@dataclass
class Ack:
    """One acknowledgement the bot sent back over the socket."""

    envelope_id: str
    payload: dict[str, Any] | None
    latency: float  # seconds from our push to its arrival (inf when it was never pushed)


class FakeSocketSlack:
    """Slack's Web API (via a FakeSlack) and a Socket Mode WebSocket, driven by the test.

    Use as a context manager, or `start()` … `stop()`; `stop` also shuts the FakeSlack down.
    """

    def __init__(self, app_token: str = APP_TOKEN) -> None:
        self.app_token = app_token
        self.web: FakeSlack = start_fake_slack()
        self.opened = 0  # apps.connections.open calls that got a URL
        self.connections = 0  # WebSocket connections accepted (each got a hello)
        self.acks: list[Ack] = []
        self.unexpected: list[str] = []  # frames from the bot that were not acks
        self._pushed: dict[str, list[float]] = {}  # envelope id -> when each delivery of it was pushed
        self._changed = threading.Condition()
        self._ws: web.WebSocketResponse | None = None  # the latest connection: pushes go there
        self._sockets: set[web.WebSocketResponse] = set()  # every open one, all closed on stop
        self._ids = itertools.count(1)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fake-socket-slack", daemon=True)
        self._runner: web.AppRunner | None = None
        self.port = 0

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> FakeSocketSlack:
        self._thread.start()
        try:
            self._call(self._start())
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Close the socket and both servers; safe to call twice and after a failed start."""
        if self._thread.is_alive():
            try:
                self._call(self._stop(), timeout=10)
            finally:
                self._loop.call_soon_threadsafe(self._loop.stop)
                self._thread.join(timeout=10)
        if not self._loop.is_running() and not self._loop.is_closed():
            self._loop.close()
        if self.web.server.socket.fileno() != -1:
            self.web.server.shutdown()
            self.web.server.server_close()

    def __enter__(self) -> FakeSocketSlack:
        return self if self._thread.is_alive() else self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """What SLACK_API_URL should be."""
        return f"{self.url}/api/"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/link"

    # -- what the test does ----------------------------------------------------------------

    def wait_connected(self, count: int = 1, timeout: float = 30.0, alive: Callable[[], bool] | None = None) -> None:
        """Wait until `count` connections got their hello; fail at once when `alive()` turns false
        (the bot process died), instead of waiting out the timeout."""
        self._wait(lambda: self.connections >= count, timeout, f"{count} Socket Mode connection(s)", alive)

    def push(self, envelope: dict[str, Any]) -> str:
        """Deliver an envelope on the current connection; its envelope_id."""
        envelope_id = str(envelope["envelope_id"])
        with self._changed:
            self._pushed.setdefault(envelope_id, []).append(time.monotonic())
        self._call(self._send(json.dumps(envelope)))
        return envelope_id

    def wait_ack(self, envelope_id: str, timeout: float = 10.0, n: int = 1) -> Ack:
        """The `n`th ack of `envelope_id` (waits for it)."""
        self._wait(lambda: len(self.acks_for(envelope_id)) >= n, timeout, f"ack #{n} of envelope {envelope_id}")
        return self.acks_for(envelope_id)[n - 1]

    def acks_for(self, envelope_id: str) -> list[Ack]:
        with self._changed:
            return [a for a in self.acks if a.envelope_id == envelope_id]

    def unacked(self) -> list[str]:
        """Envelope ids pushed more often than acked (each delivery needs its own ack)."""
        with self._changed:
            return [e for e, pushes in self._pushed.items()
                    if sum(1 for a in self.acks if a.envelope_id == e) < len(pushes)]

    def pop(self, path_part: str, timeout: float = 10.0) -> Posted:
        """The first Web API call or response_url post whose path contains `path_part`."""
        return self.web.pop(path_part, timeout)

    def settle(self, seconds: float = 0.5) -> list[Posted]:
        return self.web.settle(seconds)

    def ask_to_reconnect(self, reason: str = "refresh_requested") -> None:
        """Slack's `disconnect` frame (sent every few hours, and before server restarts): the
        client should fetch a new URL from apps.connections.open and connect again."""
        self._call(self._send(json.dumps({"type": "disconnect", "reason": reason,
                                          "debug_info": {"host": "applink-fake"}})))

    def disconnect(self) -> None:
        """Close the current connection from our side without warning (a network drop)."""
        self._call(self._close_ws())

    # -- envelopes, as Slack sends them ----------------------------------------------------

    def envelope_id(self) -> str:
        return f"env-{next(self._ids)}-{uuid.uuid4().hex[:8]}"

    def slash_command(self, text: str, user_name: str = "jane", channel: str = "C1",
                      response_path: str = "/response/cmd") -> dict[str, Any]:
        """A `slash_commands` envelope for `/cloudai text`; replies go to `response_path` on the FakeSlack."""
        return {
            "envelope_id": self.envelope_id(), "type": "slash_commands", "accepts_response_payload": True,
            "payload": {
                "token": "legacy", "team_id": "T1", "team_domain": "test", "channel_id": channel,
                "channel_name": "general", "user_id": "U1", "user_name": user_name, "command": "/cloudai",
                "text": text, "api_app_id": "A1", "is_enterprise_install": "false",
                "response_url": f"{self.web.url}{response_path}", "trigger_id": "1.2.3",
            },
        }

    def events_api(self, event: dict[str, Any], event_id: str, retry_attempt: int = 0, retry_reason: str = "",
                   envelope_id: str | None = None) -> dict[str, Any]:
        """An `events_api` envelope; a Slack retry is a new envelope with the same event_id."""
        return {
            "envelope_id": envelope_id or self.envelope_id(), "type": "events_api",
            "accepts_response_payload": False, "retry_attempt": retry_attempt, "retry_reason": retry_reason,
            "payload": {
                "token": "legacy", "team_id": "T1", "api_app_id": "A1", "type": "event_callback",
                "event_id": event_id, "event_time": int(time.time()), "event": event,
                "authorizations": [{"team_id": "T1", "user_id": BOT_USER, "is_bot": True,
                                    "is_enterprise_install": False}],
                "is_ext_shared_channel": False, "event_context": f"4-{event_id}",
            },
        }

    def interactive(self, payload: dict[str, Any]) -> dict[str, Any]:
        """An `interactive` envelope (block_actions and the like)."""
        return {"envelope_id": self.envelope_id(), "type": "interactive", "accepts_response_payload": False,
                "payload": payload}

    def block_action(self, action_id: str, value: str, message: dict[str, Any] | None = None,
                     response_path: str = "/response/action") -> dict[str, Any]:
        """A button click on one of the bot's messages, as an `interactive` envelope."""
        return self.interactive({
            "type": "block_actions", "team": {"id": "T1", "domain": "test"},
            "user": {"id": "U2", "username": "sam", "name": "sam", "team_id": "T1"},
            "api_app_id": "A1", "token": "legacy", "trigger_id": "1.2.3",
            "channel": {"id": "C1", "name": "general"},
            "container": {"type": "message", "message_ts": "111.222", "channel_id": "C1", "is_ephemeral": False},
            "message": message or {"type": "message", "ts": "111.222", "text": "an answer", "blocks": []},
            "response_url": f"{self.web.url}{response_path}",
            "actions": [{"type": "button", "action_id": action_id, "block_id": "b1", "value": value,
                         "action_ts": "111.333", "text": {"type": "plain_text", "text": "x"}}],
        })

    # -- internals -----------------------------------------------------------------------

    def _call(self, coro: Any, timeout: float = 10.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def _wait(self, ready: Callable[[], bool], timeout: float, what: str,
              alive: Callable[[], bool] | None = None) -> None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not ready():
                if alive is not None and not alive():
                    raise AssertionError(f"the bot stopped while waiting for {what}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"timed out after {timeout}s waiting for {what}; acks: {self.acks}")
                self._changed.wait(min(left, 0.1))

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/apps.connections.open", self._connections_open)
        app.router.add_route("*", "/api/{method}", self._forward)
        app.router.add_get("/link", self._link)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)  # a stuck bot never hangs teardown
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def _stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _close_ws(self) -> None:
        if self._ws is not None and not self._ws.closed:
            await self._ws.close()

    async def _send(self, text: str) -> None:
        ws = self._ws
        assert ws is not None and not ws.closed, "the bot is not connected over Socket Mode"
        await ws.send_str(text)

    async def _connections_open(self, request: web.Request) -> web.Response:
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer xapp-"):
            return web.json_response({"ok": False, "error": "not_allowed_token_type"})
        if auth != f"Bearer {self.app_token}":
            return web.json_response({"ok": False, "error": "invalid_auth"})
        with self._changed:
            self.opened += 1
        return web.json_response({"ok": True, "url": self.ws_url})

    async def _forward(self, request: web.Request) -> web.Response:
        """Every other Web API method goes to the FakeSlack, which records and answers it."""
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() in ("content-type", "authorization")}
        req = urllib.request.Request(f"{self.web.url}{request.path_qs}", data=body, method=request.method,
                                     headers=headers)

        def send() -> tuple[int, bytes]:
            try:
                with urllib.request.urlopen(req, timeout=10) as resp:
                    return resp.status, resp.read()
            except urllib.error.HTTPError as err:
                return err.code, err.read()

        status, data = await asyncio.to_thread(send)
        return web.Response(status=status, body=data, content_type="application/json")

    async def _link(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()  # autoping: the client's pings get pongs, as from Slack
        await ws.prepare(request)
        self._ws = ws
        self._sockets.add(ws)
        await ws.send_str(json.dumps({
            "type": "hello", "num_connections": 1,
            "debug_info": {"host": "applink-fake", "build_number": 1, "approximate_connection_time": 18060},
            "connection_info": {"app_id": "A1"},
        }))
        with self._changed:
            self.connections += 1
            self._changed.notify_all()
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    self._record(msg.data, time.monotonic())
        finally:
            self._sockets.discard(ws)
        return ws

    def _record(self, data: str, arrived: float) -> None:
        """Keep an ack (with how long after its push it came), or note an unexpected frame."""
        try:
            frame = json.loads(data)
        except ValueError:
            frame = None
        with self._changed:
            if isinstance(frame, dict) and "envelope_id" in frame:
                eid = str(frame["envelope_id"])
                pushes = self._pushed.get(eid, [])
                nth = sum(1 for a in self.acks if a.envelope_id == eid)  # this ack answers push #nth
                pushed = pushes[min(nth, len(pushes) - 1)] if pushes else None
                self.acks.append(Ack(eid, frame.get("payload"),
                                     arrived - pushed if pushed is not None else float("inf")))
            else:
                self.unexpected.append(data)
            self._changed.notify_all()


def start_fake_socket_slack(app_token: str = APP_TOKEN) -> FakeSocketSlack:
    return FakeSocketSlack(app_token).start()
