"""A fake Discord for tests: REST API and gateway on 127.0.0.1, driven by the test.

The adapter runs unmodified discord.py against it: it logs in over REST, connects to the
gateway (HELLO → IDENTIFY → READY → GUILD_CREATE), and receives the MESSAGE_CREATE and
INTERACTION_CREATE events the test pushes; everything it sends back over REST is recorded
(errbot's push/pop, for Discord). Payloads carry every key discord.py indexes: a missing
one makes an event vanish silently.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

TOKEN = "fake-discord-token"
APP_ID = "1000000000000000001"
BOT_ID = "1000000000000000002"
GUILD_ID = "1000000000000000003"
CHANNEL_ID = "1000000000000000004"
THREAD_ID = "1000000000000000005"
DM_CHANNEL_ID = "1000000000000000006"
USER_ID = "1000000000000000007"
OTHER_BOT_ID = "1000000000000000008"
TIMESTAMP = "2026-11-24T09:00:00.000000+00:00"

_ids = itertools.count(2000000000000000000)


def snowflake() -> str:
    return str(next(_ids))


def user(uid: str = USER_ID, name: str = "ada", bot: bool = False) -> dict[str, Any]:
    return {"id": uid, "username": name, "discriminator": "0", "global_name": name, "avatar": None,
            "bot": bot, "public_flags": 0}


def member(u: dict[str, Any]) -> dict[str, Any]:
    return {"user": u, "roles": [], "joined_at": TIMESTAMP, "deaf": False, "mute": False, "flags": 0,
            "nick": None, "pending": False, "permissions": "2147483647"}


def channel(cid: str = CHANNEL_ID, kind: int = 0, name: str = "general") -> dict[str, Any]:
    out: dict[str, Any] = {"id": cid, "type": kind, "name": name, "position": 0, "permission_overwrites": [],
                           "nsfw": False, "parent_id": None, "guild_id": GUILD_ID}
    if kind == 11:  # a public thread in #general
        out.update(parent_id=CHANNEL_ID, owner_id=USER_ID, message_count=1, member_count=1,
                   thread_metadata={"archived": False, "auto_archive_duration": 1440, "locked": False,
                                    "archive_timestamp": TIMESTAMP})
    return out


def guild() -> dict[str, Any]:
    return {
        "id": GUILD_ID, "name": "Test server", "icon": None, "owner_id": USER_ID, "unavailable": False,
        "member_count": 2, "large": False, "features": [], "emojis": [], "stickers": [], "verification_level": 0,
        "default_message_notifications": 0, "explicit_content_filter": 0, "mfa_level": 0, "nsfw_level": 0,
        "premium_tier": 0, "preferred_locale": "en-US", "system_channel_flags": 0, "afk_timeout": 300,
        "roles": [{"id": GUILD_ID, "name": "@everyone", "permissions": "2147483647", "position": 0, "color": 0,
                   "hoist": False, "managed": False, "mentionable": False, "flags": 0}],
        "channels": [channel()], "threads": [channel(THREAD_ID, 11, "a thread")],
        "members": [member(user(BOT_ID, "cloudai", bot=True)), member(user())],
        "voice_states": [], "presences": [], "stage_instances": [], "guild_scheduled_events": [],
        "joined_at": TIMESTAMP,
    }


def message(content: str, *, author: dict[str, Any] | None = None, channel_id: str = CHANNEL_ID,
            in_guild: bool = True, mentions: list[dict[str, Any]] | None = None,
            embeds: list[dict[str, Any]] | None = None, components: list[Any] | None = None,
            mid: str | None = None) -> dict[str, Any]:
    author = author or user()
    out: dict[str, Any] = {
        "id": mid or snowflake(), "channel_id": channel_id, "author": author, "content": content,
        "timestamp": TIMESTAMP, "edited_timestamp": None, "tts": False, "mention_everyone": False,
        "mentions": mentions or [], "mention_roles": [], "attachments": [], "embeds": embeds or [],
        "pinned": False, "type": 0, "flags": 0, "components": components or [],
    }
    if in_guild:
        out["guild_id"] = GUILD_ID
        out["member"] = {k: v for k, v in member(author).items() if k != "user"}
    return out


def interaction(kind: int, data: dict[str, Any], *, message_payload: dict[str, Any] | None = None,
                channel_id: str = CHANNEL_ID) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": snowflake(), "application_id": APP_ID, "type": kind, "data": data, "guild_id": GUILD_ID,
        "channel_id": channel_id, "channel": channel(channel_id), "member": member(user()),
        "token": "itok-" + snowflake(), "version": 1, "app_permissions": "2147483647", "locale": "en-US",
        "guild_locale": "en-US", "entitlements": [], "authorizing_integration_owners": {"0": GUILD_ID},
        "context": 0, "attachment_size_limit": 10485760,
    }
    if message_payload is not None:
        out["message"] = message_payload
    return out


def slash(question: str | None) -> dict[str, Any]:
    options = [] if question is None else [{"name": "question", "type": 3, "value": question}]
    return interaction(2, {"id": snowflake(), "name": "cloudai", "type": 1, "options": options,
                           "guild_id": GUILD_ID})


def autocomplete(current: str) -> dict[str, Any]:
    return interaction(4, {"id": snowflake(), "name": "cloudai", "type": 1, "guild_id": GUILD_ID,
                           "options": [{"name": "question", "type": 3, "value": current, "focused": True}]})


def click(custom_id: str, on: dict[str, Any]) -> dict[str, Any]:
    return interaction(3, {"custom_id": custom_id, "component_type": 2}, message_payload=on)


@dataclass
class Sent:
    """One REST request the bot made."""

    method: str
    path: str
    body: dict[str, Any] | list[Any] | None

    @property
    def json(self) -> dict[str, Any]:
        """The message part of the request (an interaction callback nests it under `data`)."""
        body = self.body if isinstance(self.body, dict) else {}
        return body.get("data", body) if "type" in body and "data" in body else body

    @property
    def embed(self) -> dict[str, Any]:
        return (self.json.get("embeds") or [{}])[0]

    @property
    def buttons(self) -> list[dict[str, Any]]:
        return [c for row in self.json.get("components") or [] for c in row.get("components", [])]


@dataclass
class FakeDiscord:
    """The fake server; `sent` is every REST call the bot made (login calls excluded)."""

    sent: list[Sent] = field(default_factory=list)
    base: str = ""
    gateway: str = ""
    fail_login: bool = False
    _ws: web.WebSocketResponse | None = None
    _seq: int = 0
    _runner: web.AppRunner | None = None
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    identified: asyncio.Event = field(default_factory=asyncio.Event)
    identify: dict[str, Any] = field(default_factory=dict)
    identifies: list[dict[str, Any]] = field(default_factory=list)  # every IDENTIFY, one per shard
    shards: int = 1  # what GET /gateway/bot recommends (AutoShardedClient asks)

    async def start(self) -> "FakeDiscord":
        app = web.Application()
        app.router.add_get("/gw", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base = f"http://127.0.0.1:{port}/api/v10"
        self.gateway = f"ws://127.0.0.1:{port}/gw"
        return self

    async def stop(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    # -- what the test does ------------------------------------------------------------

    async def push(self, event: str, data: dict[str, Any], ws: web.WebSocketResponse | None = None) -> None:
        """Deliver a gateway event to the bot (on the latest connection, or on `ws`)."""
        ws = ws or self._ws
        assert ws is not None, "the bot is not connected"
        self._seq += 1
        await ws.send_str(json.dumps({"op": 0, "t": event, "s": self._seq, "d": data}))

    async def pop(self, count: int = 1, timeout: float = 5.0, settle: float = 0.2) -> list[Sent]:
        """Wait for `count` new REST calls, then a moment more to catch any extra ones; return them all."""
        async def enough() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: len(self.sent) >= count)

        try:
            await asyncio.wait_for(enough(), timeout)
        except asyncio.TimeoutError:
            pass
        await asyncio.sleep(settle)
        out, self.sent = self.sent, []
        return out

    # -- REST --------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body: Any = None
        if request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
            elif request.content_type.startswith("multipart/"):
                form = await request.post()
                body = json.loads(str(form.get("payload_json", "{}")))
        if path == "/users/@me":
            if self.fail_login or request.headers.get("Authorization") != f"Bot {TOKEN}":
                return _json({"message": "401: Unauthorized", "code": 0}, 401)
            return _json(user(BOT_ID, "cloudai", bot=True))
        if path == "/gateway/bot":
            return _json({"url": self.gateway, "shards": self.shards, "session_start_limit": {
                "total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}})
        if path == "/oauth2/applications/@me":
            return _json({"id": APP_ID, "name": "cloudai", "description": "", "icon": None, "bot_public": True,
                          "bot_require_code_grant": False, "owner": user(), "verify_key": "k", "flags": 0,
                          "summary": "", "team": None})
        async with self._changed:
            self.sent.append(Sent(request.method, path, body))
            self._changed.notify_all()
        if path.endswith("/commands"):
            return _json([{**c, "id": snowflake(), "application_id": APP_ID, "version": "1", "type": 1,
                           "default_member_permissions": None, "dm_permission": True, "nsfw": False}
                          for c in body or []])
        if path.startswith("/interactions/"):
            kind = (body or {}).get("type", 4)
            return _json({"interaction": {"id": path.split("/")[2], "type": 2,
                                          "response_message_loading": kind == 5},
                          "resource": {"type": kind}})
        if request.method == "POST" and (path.startswith("/channels/") or path.startswith("/webhooks/")):
            cid = path.split("/")[2] if path.startswith("/channels/") else CHANNEL_ID
            data = body or {}
            return _json(message(data.get("content", ""), author=user(BOT_ID, "cloudai", bot=True), channel_id=cid,
                                 embeds=data.get("embeds"), components=data.get("components")))
        return _json({})

    # -- gateway -----------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        if self._ws is None or self._ws.closed:
            self._ws = ws
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 45000}}))
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            frame = json.loads(msg.data)
            if frame["op"] == 1:
                await ws.send_str(json.dumps({"op": 11}))
            elif frame["op"] == 2:
                self.identify = frame["d"]
                self.identifies.append(frame["d"])
                shard, count = frame["d"].get("shard") or [0, 1]
                ours = (int(GUILD_ID) >> 22) % count == shard  # Discord's rule for which shard gets a server
                await self.push("READY", {
                    "v": 10, "user": user(BOT_ID, "cloudai", bot=True),
                    "guilds": [{"id": GUILD_ID, "unavailable": True}] if ours else [],
                    "session_id": f"session-{shard}", "shard": [shard, count], "resume_gateway_url": self.gateway, "private_channels": [],
                    "relationships": [], "application": {"id": APP_ID, "flags": 0},
                }, ws)
                if ours:
                    await self.push("GUILD_CREATE", guild(), ws)
                    self._ws = ws  # events for the server arrive on its shard
                self.identified.set()
        return ws


def _json(data: Any, status: int = 200) -> web.Response:
    # discord.py reads a body as JSON only when Content-Type is exactly application/json
    return web.Response(body=json.dumps(data).encode(), status=status, content_type="application/json")
