"""Slack on slack-bolt: `/cloudai`, mentions and DMs in, Block Kit replies out.

A thin translation layer, in the manner of slack-bolt's own adapters: a Slack event
becomes one `Conversation.handle(Incoming)` call (bot/conversation.py: help, limits, admin,
answer), and the `Reply` in its `Outcome` is rendered as Block Kit. No
matching happens here. Everything that reaches Slack from a user or a document is
escaped (`&`, `<`, `>`), so `<!channel>` or `<@U123>` written anywhere is shown, never
triggered, and every message stays within Block Kit's limits.
"""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Iterable, Literal, Sequence

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict
from slack_bolt import App, BoltResponse
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler, ServerErrorRetryHandler

from adapters.http import DEFAULT_TIMEOUT, HTTPServer, serve_in_background
from adapters.platforms import Launch, Running
from bot.assistant import Assistant
from bot.compose import APOLOGY, shorten, shortened_note
from bot.conversation import Conversation, Incoming, Kind, Outcome
from bot.delivery import Target
from bot.digest import Digest
from bot.feedback import Feedback, FeedbackSink
from bot.health import Health, WSGIApp, ops_app
from bot.live import LiveAssistant
from bot.markdown import HARD_BREAK
from bot.metrics import Metrics
from bot.models import Reply
from bot.ratelimit import QuestionLimiter
from bot.render import Dialect, Link, backtick_fence, convert, plain_text
from bot.settings import Settings, filled

if TYPE_CHECKING:
    from bot.store import Store

log = logging.getLogger("cloudai.slack")


class _ExpectedNotices(logging.Filter):
    """Bolt warns that SLACK_BOT_TOKEN "will be unused" whenever a client is passed, which we
    always do (for SLACK_API_URL and the retry handlers); the token is the client's."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


log.addFilter(_ExpectedNotices())

# Block Kit limits (slack_sdk's block constants; the message total from bolt-js #2509)
HEADER_MAX = 150
SECTION_MAX = 3000
BLOCKS_MAX = 50
MESSAGE_TEXT_BUDGET = 11_000  # characters across all blocks; Slack rejects ~13k
BUTTON_TEXT_MAX = 75
FALLBACK_MAX = 3000
MAX_TOPIC_BUTTONS = 5
TOPIC_ACTION = re.compile(r"^cloudai_topic_\d+$")
FEEDBACK_ACTION = re.compile(r"^cloudai_feedback_(up|down)$")
FEEDBACK_BLOCK = "cloudai_feedback"


class SlackSettings(BaseSettings):
    """Slack's settings, a section of `Settings` (`settings.section(SlackSettings)`): the secrets
    keep the names Slack's docs use, a `CLOUDAI_` spelling is accepted too."""

    model_config = SettingsConfigDict(env_prefix="CLOUDAI_SLACK_", env_file=".env", env_file_encoding="utf-8",
                                      extra="ignore", populate_by_name=True)

    bot_token: SecretStr | None = Field(None, validation_alias=AliasChoices("SLACK_BOT_TOKEN", "CLOUDAI_SLACK_BOT_TOKEN"))
    app_token: SecretStr | None = Field(None, validation_alias=AliasChoices("SLACK_APP_TOKEN", "CLOUDAI_SLACK_APP_TOKEN"))
    signing_secret: SecretStr | None = Field(None, validation_alias=AliasChoices("SLACK_SIGNING_SECRET", "CLOUDAI_SLACK_SIGNING_SECRET"))
    api_url: str | None = Field(None, validation_alias=AliasChoices("SLACK_API_URL", "CLOUDAI_SLACK_API_URL"))
    mode: Literal["socket", "http"] = "socket"  # CLOUDAI_SLACK_MODE
    digest_channel: str = Field("", validation_alias=AliasChoices("SLACK_DIGEST_CHANNEL", "CLOUDAI_SLACK_DIGEST_CHANNEL"))


def slack_settings(settings: Settings) -> SlackSettings:
    """Slack's section of `settings` (ValueError naming a bad variable)."""
    return settings.section(SlackSettings)


def missing(settings: Settings, mode: str) -> list[str]:
    """The variables Slack in `mode` needs that are not set, each with where to find it."""
    slack = slack_settings(settings)
    need = {
        "SLACK_BOT_TOKEN": (slack.bot_token, "the Bot User OAuth Token (xoxb-…) on your app's "
                                             "'OAuth & Permissions' page"),
    }
    if mode == "http":
        need["SLACK_SIGNING_SECRET"] = (slack.signing_secret, "'Basic Information' → 'App Credentials' → "
                                                              "Signing Secret")
    else:
        need["SLACK_APP_TOKEN"] = (slack.app_token, "an app-level token (xapp-…) with connections:write, "
                                                    "under 'Basic Information' → 'App-Level Tokens'")
    return [f"{name}: {where}" for name, (value, where) in need.items() if not filled(value)]


# -- rendering -------------------------------------------------------------------------

# wherever they stand, `_@here_` and `x@everyone_` too (a word boundary would skip them)
_AT_SPECIAL = re.compile(r"@(everyone|here|channel)", re.IGNORECASE)


def escape(text: str) -> str:
    """Slack's escaping: `&`, `<`, `>` only; and no bare @here/@channel/@everyone either."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _AT_SPECIAL.sub("@\u200b\\1", text)


class Mrkdwn(Dialect):
    """Slack's mrkdwn for the walker in bot/render.py: `*bold*`, `_italic_`, `~struck~`, `•` bullets,
    headings bold, `<url|label>` links; all text escaped, code included (Slack shows `&lt;` as `<`)."""

    bullet = "•"
    strong_marks = ("*", "*")
    emphasis_marks = ("_", "_")
    strike_marks = ("~", "~")
    bold_headings = True
    indent_code = False  # Slack has no lists: a block indented with its item would show the spaces

    def text(self, text: str) -> str:
        return escape(text)

    def escaped(self, char: str) -> str:
        # mrkdwn has no escapes: zero-width spaces keep a `\*` the author escaped from pairing up
        return f"\u200b{char}\u200b" if char in "*_~`" else char

    def code(self, code: str) -> str:
        return "`" + escape(code) + "`"

    def code_block(self, code: str, info: str) -> str:
        return escape(backtick_fence(code))  # mrkdwn highlights nothing: a language would show as a line of code

    def link(self, link: Link) -> str:
        target = escape(link.url.replace("|", "%7C"))  # `|` would end the URL
        if link.bare:
            return f"<{target}>"  # the label names another site: show where the link really goes
        return f"<{target}|{link.label.replace('|', '¦')}>"

    def heading(self, level: int, text: str) -> str:
        return f"*{text}*" if text else ""


MRKDWN = Mrkdwn()


def to_mrkdwn(markdown: str, links: bool = True) -> str:
    """Markdown to Slack mrkdwn, escaping all text; code is kept as code. With `links=False`
    (text quoting what a user wrote) a `[label](url)` stays text and never becomes a link."""
    return _AT_SPECIAL.sub("@\u200b\\1", convert(markdown, MRKDWN, links))  # across spans too: `@**here**`


def _plain(text: str, links: bool = True) -> str:
    return " ".join(plain_text(text, links).split())


def _chunks(mrkdwn: str, limit: int) -> list[str]:
    """Split text into pieces of at most `limit` characters at paragraph or line breaks."""
    out: list[str] = []
    rest = mrkdwn.strip()
    while len(rest) > limit:
        cut = rest.rfind("\n\n", 0, limit)
        if cut < limit // 3:
            cut = rest.rfind("\n", 0, limit)
        if cut < limit // 3:
            cut = rest.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
        out.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        out.append(rest)
    return out


def _button(text: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    label = text if len(text) <= BUTTON_TEXT_MAX else text[: BUTTON_TEXT_MAX - 1] + "…"
    button: dict[str, Any] = {"type": "button", "action_id": action_id, "value": value[:2000],
                              "text": {"type": "plain_text", "text": label, "emoji": True}}
    if style:
        button["style"] = style
    return button


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text[:SECTION_MAX]}]}


def render(reply: Reply, asked_by: str | None = None) -> dict[str, Any]:
    """A `Reply` as `chat.postMessage` arguments: `text` fallback plus Block Kit `blocks`."""
    title = _AT_SPECIAL.sub("@\u200b\\1", reply.title)
    title = title if len(title) <= HEADER_MAX else title[: HEADER_MAX - 1] + "…"
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "text": title, "emoji": True}}]
    if asked_by is not None and reply.question:
        blocks.append(_context(f"*{escape(asked_by)}* asked: {escape(shorten(reply.question, 300)[0])}"))

    body, cut = shorten(reply.body, MESSAGE_TEXT_BUDGET)
    # a no-match reply quotes the question: nothing in it may become a link
    pieces = _chunks(to_mrkdwn(body, links=not reply.no_match), SECTION_MAX)
    room = BLOCKS_MAX - len(blocks) - 4  # keep space for sources, pointer, topics, feedback
    if len(pieces) > room:
        pieces, cut = pieces[:room], True
    blocks.extend({"type": "section", "text": {"type": "mrkdwn", "text": p}} for p in pieces)
    if cut and reply.sources:
        blocks.append(_context(to_mrkdwn(shortened_note(reply.sources[0].label))))

    if reply.sources:
        labels = " · ".join(escape(s.label) for s in reply.sources[:5])
        blocks.append(_context(f":page_facing_up: {labels}"))
    topics = reply.suggestions if reply.no_match else reply.related
    if topics:
        blocks.append({"type": "actions", "block_id": "cloudai_topics", "elements": [
            _button(t, f"cloudai_topic_{i}", t) for i, t in enumerate(topics[:MAX_TOPIC_BUTTONS])
        ]})
    if not reply.no_match and reply.sources:
        value = json.dumps({"q": reply.question[:500], "s": reply.sources[0].label[:300], "i": reply.intent})
        blocks.append({"type": "actions", "block_id": FEEDBACK_BLOCK, "elements": [
            _button("👍 Helpful", "cloudai_feedback_up", value),
            _button("👎 Not helpful", "cloudai_feedback_down", value),
        ]})
    fallback = escape(f"{reply.title}: {_plain(body, links=not reply.no_match)}")
    if len(fallback) > FALLBACK_MAX:
        fallback = fallback[: FALLBACK_MAX - 1] + "…"
    return {"text": fallback, "blocks": blocks[:BLOCKS_MAX]}


def render_digest(digest: Digest) -> dict[str, Any]:
    """The daily digest as `chat.postMessage` arguments."""
    blocks: list[dict[str, Any]] = [{"type": "header", "text": {"type": "plain_text", "emoji": True,
                                                                 "text": digest.title[:HEADER_MAX]}}]
    for heading, part in digest.parts():
        text = to_mrkdwn(f"**{heading}**{HARD_BREAK}{part}")
        blocks.extend({"type": "section", "text": {"type": "mrkdwn", "text": p}} for p in _chunks(text, SECTION_MAX))
    fallback = escape(f"{digest.title}: " + "; ".join(h for h, _ in digest.parts()))
    return {"text": fallback[:FALLBACK_MAX], "blocks": blocks[:BLOCKS_MAX]}


def digest_target(settings: Settings, channel: str) -> Target:
    """Posts digests to `channel` with `chat.postMessage` (no running bot needed); rate limits,
    5xx and connection errors are retried by slack_sdk's own retry handlers."""
    client = web_client(settings)

    async def post(digest: Digest) -> str:
        response = await asyncio.to_thread(client.chat_postMessage, channel=channel, unfurl_links=False,
                                           unfurl_media=False, **render_digest(digest))
        return str(response.get("ts") or "")

    return Target("slack", channel, post)


def text_message(text: str) -> dict[str, Any]:
    """A short message of our own words (no user text): fallback and one section."""
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}


def sorry() -> dict[str, Any]:
    return text_message(APOLOGY)


# -- the app ----------------------------------------------------------------------------

ANSWER_THREADS = 2  # answers at once (CPU-bound, so more threads would only slow the acks down)


@dataclass
class SlackAdapter:
    """The Bolt app wired to one assistant; `app` is what Socket Mode or HTTP serves."""

    app: App
    assistant: LiveAssistant
    signing_secret: str | None = None  # HTTP mode checks every request against it before Bolt reads it
    answering: ThreadPoolExecutor | None = None  # the threads that answer, after the ack

    def close(self) -> None:
        """Finish the answers already started or waiting (a graceful stop); take no new ones."""
        if self.answering is not None:
            self.answering.shutdown(wait=True)


def web_client(settings: Settings) -> WebClient:
    """A Web API client with Slack's rate-limit retries, honouring SLACK_API_URL."""
    slack = slack_settings(settings)
    token = slack.bot_token.get_secret_value() if slack.bot_token else None
    kwargs: dict[str, Any] = {"token": token}
    api_url = slack.api_url
    if api_url:
        kwargs["base_url"] = api_url if api_url.endswith("/") else api_url + "/"
    client = WebClient(**kwargs)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=2))
    client.retry_handlers.append(ServerErrorRetryHandler(max_retry_count=2))
    return client


def build_app(assistant: Assistant | LiveAssistant, settings: Settings, feedback: FeedbackSink | None = None,
              verify_token: bool = True, limiter: QuestionLimiter | None = None,
              store: "Store | None" = None, conversation: Conversation | None = None) -> SlackAdapter:
    """Register the handlers. `verify_token=False` builds without calling Slack (auth.test);
    `limiter` None answers every question (the commands pass the configured limits). With a
    `store`, votes and conversation context are kept there and an event is handled once across
    every instance sharing it (Slack retries may reach another instance behind a load
    balancer). `conversation` (shared with other platforms) replaces limiter, votes and context."""
    signing_secret = slack_settings(settings).signing_secret
    secret = signing_secret.get_secret_value() if signing_secret else None
    app = App(client=web_client(settings), signing_secret=secret, token_verification_enabled=verify_token,
              request_verification_enabled=secret is not None, logger=log)
    live = LiveAssistant.of(assistant)
    talk = conversation or Conversation.kept_in(store, live, limiter, settings.followup_minutes, feedback)
    answering = ThreadPoolExecutor(max_workers=ANSWER_THREADS, thread_name_prefix="cloudai-answer")

    def after_ack(job: Callable[[], None]) -> None:
        """Do `job` on the answering threads. Bolt runs every listener on a few threads of its
        own up to its ack(); a listener that stayed there to answer would delay other acks."""
        def run() -> None:
            try:
                job()
            except Exception:
                log.exception("failed to answer a Slack request")

        answering.submit(run)

    @app.middleware
    def once_per_event(body: dict[str, Any], next: Callable[[], None]) -> BoltResponse | None:  # noqa: A002
        """Slack retries an event it thinks we missed; the same event id is handled once."""
        event_id = body.get("event_id")
        if event_id and not talk.first_time("slack", f"event:{event_id}"):
            log.info("ignoring repeated delivery of event %s", event_id)
            return BoltResponse(status=200, body="")
        next()
        return None

    @app.error
    def on_error(error: Exception, body: dict[str, Any]) -> None:
        log.error("unhandled error for a %s request", body.get("type") or body.get("command"), exc_info=error)

    def show(outcome: Outcome, asked_by: str | None = None) -> dict[str, Any]:
        """An outcome as message arguments: a refusal in our own words, anything else rendered."""
        if outcome.reply is None:
            return text_message(outcome.notice)
        return render(outcome.reply, asked_by=None if outcome.kind == "admin" else asked_by)

    def answer_event(event: dict[str, Any], say: Callable[..., Any], thread: str | None, what: str,
                     kind: Kind) -> None:
        """Answer a mention or a DM where it was asked (or say why not); apologise on failure.
        The conversation is the thread (a DM outside a thread: the DM itself)."""
        try:
            outcome = talk.handle(Incoming("slack", event.get("user"), event.get("channel"),
                                           thread or event.get("channel"), event.get("text", ""), kind))
            if outcome.kind == "admin":
                say(thread_ts=thread, **show(outcome))
                return
            say(thread_ts=thread, unfurl_links=False, unfurl_media=False, **show(outcome))
        except Exception:
            log.exception("failed to answer %s", what)
            _quietly(lambda: say(thread_ts=thread, **sorry()))

    @app.command("/cloudai")
    def on_command(ack: Callable[..., None], command: dict[str, Any], respond: Callable[..., Any]) -> None:
        """Help and refusals go in the ack; answers after it. Commands are not in a thread: the
        channel is the conversation."""
        incoming = Incoming("slack", command.get("user_id"), command.get("channel_id"), command.get("channel_id"),
                            (command.get("text") or "").strip(), "command")
        early = talk.screen(incoming)  # before reading the text at all (help aside)
        if early is not None:
            ack(response_type="ephemeral", **show(early))
            return
        ack()

        def reply() -> None:
            try:
                outcome = talk.respond(incoming)  # an admin result is for the admin alone
                respond(response_type="ephemeral" if outcome.kind == "admin" else "in_channel", replace_original=False,
                        **show(outcome, asked_by=command.get("user_name") or "someone"))
            except Exception:
                log.exception("failed to answer /cloudai")
                _quietly(lambda: respond(response_type="ephemeral", **sorry()))

        after_ack(reply)

    def answer_once(event: dict[str, Any], say: Callable[..., Any], thread: str | None, what: str) -> None:
        if talk.first_time("slack", f"message:{event.get('channel')}:{event.get('ts')}"):
            answer_event(event, say, thread, what, "dm" if event.get("channel_type") == "im" else "mention")

    @app.event("app_mention")
    def on_mention(event: dict[str, Any], say: Callable[..., Any]) -> None:
        after_ack(lambda: answer_once(event, say, event.get("thread_ts") or event.get("ts"), "a mention"))

    @app.event("message")
    def on_message(event: dict[str, Any], say: Callable[..., Any]) -> None:
        """Direct messages only; channel messages come in as mentions."""
        if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
            return
        after_ack(lambda: answer_once(event, say, event.get("thread_ts"), "a direct message"))

    @app.action(TOPIC_ACTION)
    def on_topic(ack: Callable[..., None], action: dict[str, Any], body: dict[str, Any],
                 respond: Callable[..., Any], say: Callable[..., Any]) -> None:
        """A related-topic or "did you mean" button asks that topic, in the message's thread."""
        ack()
        topic = action.get("value", "")
        user = (body.get("user") or {}).get("username") or (body.get("user") or {}).get("name")
        message = body.get("message") or {}
        container = body.get("container") or {}

        def reply() -> None:
            try:
                channel = (body.get("channel") or {}).get("id")
                thread = message.get("thread_ts") or message.get("ts") if not container.get("is_ephemeral") else None
                reply = show(talk.handle(Incoming("slack", (body.get("user") or {}).get("id"), channel,
                                                  thread or channel, topic, "button")), asked_by=user or "someone")
                if message.get("ts") and thread:
                    say(thread_ts=thread, unfurl_links=False, **reply)
                else:
                    respond(response_type="ephemeral", replace_original=False, **reply)
            except Exception:
                log.exception("failed to answer a topic button")
                _quietly(lambda: respond(response_type="ephemeral", replace_original=False, **sorry()))

        after_ack(reply)

    @app.action(FEEDBACK_ACTION)
    def on_feedback(ack: Callable[..., None], action: dict[str, Any], body: dict[str, Any],
                    respond: Callable[..., Any]) -> None:
        ack()

        def record() -> None:  # the store may be slow: never on Bolt's threads
            try:
                data = json.loads(action.get("value") or "{}")
                vote = 1 if action.get("action_id", "").endswith("_up") else -1
                talk.record(Feedback(question=str(data.get("q", "")), source=str(data.get("s", "")), vote=vote,
                                     platform="slack", user=str((body.get("user") or {}).get("id", "")),
                                     intent=data.get("i")))
                message = body.get("message") or {}
                blocks = [b for b in message.get("blocks", []) if b.get("block_id") != FEEDBACK_BLOCK]
                blocks.append(_context("Thanks for the feedback! " + ("👍" if vote > 0 else "👎")))
                respond(replace_original=True, text=message.get("text") or "Thanks for the feedback!", blocks=blocks)
            except Exception:
                log.exception("failed to record feedback")

        after_ack(record)

    return SlackAdapter(app, live, secret, answering)


def _quietly(send: Callable[[], Any]) -> None:
    try:
        send()
    except Exception:
        log.exception("could not send the error reply either")


# -- serving ----------------------------------------------------------------------------

def _signed(secret: str | None, body: bytes, headers: dict[str, str]) -> bool:
    """Does the request carry Slack's signature of this body, made in the last 5 minutes?
    Checked on the raw bytes before anything else reads them (Bolt parses, then checks)."""
    if secret is None:  # no signing secret: Bolt is not checking either (never in HTTP mode)
        return True
    from slack_sdk.signature import SignatureVerifier

    timestamp, signature = headers.get("x-slack-request-timestamp", ""), headers.get("x-slack-signature", "")
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12 and signature):
        return False
    return SignatureVerifier(secret).is_valid(body, timestamp, signature)


def _payload_problem(text: str, content_type: str | None) -> str | None:
    """Why Bolt could not handle this body (not JSON, or JSON that is not an object), or None."""
    from slack_bolt.request.internals import parse_body

    try:
        payload = parse_body(text, content_type)
    except ValueError as exc:
        return f"not parseable ({type(exc).__name__})"
    return None if isinstance(payload, dict) else f"a JSON {type(payload).__name__}, not an object"


def wsgi_app(adapter: SlackAdapter, health: Health | None = None) -> WSGIApp:
    """`POST /slack/events` for Slack (Bolt's default path), with `GET /healthz` and
    `GET /metrics` beside it for load balancers and Prometheus. A request that is not signed
    by Slack is a 401 and one log line, before its body is parsed; a signed body that Bolt
    could not read is a 400."""
    from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest
    from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
    from slack_bolt.request import BoltRequest

    health = health or Health(adapter.assistant, adapter.assistant.metrics or Metrics())
    secret = adapter.signing_secret

    def reject(start_response: Callable[..., Any], status: str, why: str) -> list[bytes]:
        log.warning("rejected a request to /slack/events: %s", why)
        start_response(status, [("Content-Type", "text/plain")])
        return [status.split(" ", 1)[1].lower().encode() + b"\n"]

    def slack_events(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if path != "/slack/events":
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found\n"]
        if method != "POST":
            start_response("405 Method Not Allowed", [("Allow", "POST")])
            return [b""]
        request = WsgiHttpRequest(environ)
        headers = {k: v for k, v in request.get_headers().items() if isinstance(v, str)}
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)  # the server has bounded it (MAX_BODY)
        except ValueError:
            return reject(start_response, "400 Bad Request", "a Content-Length that is not a number")
        body = environ["wsgi.input"].read(length) if length > 0 else b""
        if not _signed(secret, body, headers):
            return reject(start_response, "401 Unauthorized", "no valid Slack signature (or a stale or "
                                                                "malformed X-Slack-Request-Timestamp)")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return reject(start_response, "400 Bad Request", "a body that is not UTF-8")
        problem = _payload_problem(text, headers.get("content-type"))
        if problem is not None:
            return reject(start_response, "400 Bad Request", f"a signed body that is {problem}")
        bolt = adapter.app.dispatch(BoltRequest(body=text, query=request.query_string,
                                                headers=dict[str, str | Sequence[str]](headers)))
        response = WsgiHttpResponse(status=bolt.status, headers=bolt.headers, body=bolt.body)
        start_response(response.status, response.get_headers())
        return response.get_body()

    return ops_app(health, fallback=slack_events)


def http_server(adapter: SlackAdapter, host: str, port: int, health: Health | None = None,
                timeout: int = DEFAULT_TIMEOUT) -> HTTPServer:
    """The bounded waitress server (adapters/http.py): acks never wait behind another request's
    answer, and no request can hold a thread or memory beyond the limits."""
    return HTTPServer(wsgi_app(adapter, health), host, port, timeout=timeout)


def socket_mode_handler(adapter: SlackAdapter, settings: Settings) -> Any:
    """Bolt's built-in Socket Mode handler; nothing connects until `.start()`/`.connect()`."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    app_token = slack_settings(settings).app_token
    if app_token is None:
        raise ValueError("SLACK_APP_TOKEN is not set")
    return SocketModeHandler(adapter.app, app_token.get_secret_value(), logger=log)


def connect(assistant: Assistant | LiveAssistant, settings: Settings, prog: str = "cloudai slack",
            limiter: QuestionLimiter | None = None, store: "Store | None" = None,
            conversation: Conversation | None = None) -> SlackAdapter | None:
    """The app, after Slack accepted the token (auth.test); None after printing why not."""
    import sys

    from slack_bolt.error import BoltError
    from slack_sdk.errors import SlackApiError

    try:
        return build_app(assistant, settings, limiter=limiter, store=store, conversation=conversation)
    except (BoltError, SlackApiError) as exc:
        reason = exc.response.get("error") if isinstance(exc, SlackApiError) else str(exc).splitlines()[0]
        print(f"{prog}: Slack did not accept SLACK_BOT_TOKEN ({reason})", file=sys.stderr)
        return None


def serve_problem(exc: BaseException) -> str | None:
    """A one-line explanation for what stops serving and a user can fix, else None: Slack
    refusing the app-level token (Socket Mode), or the HTTP port being taken."""
    from slack_sdk.errors import SlackApiError

    if isinstance(exc, SlackApiError):
        return (f"Slack did not accept SLACK_APP_TOKEN ({exc.response.get('error')}): it must be an app-level "
                "token (xapp-…) with connections:write, under 'Basic Information' → 'App-Level Tokens'")
    if isinstance(exc, OSError) and exc.errno in (errno.EADDRINUSE, errno.EACCES, errno.EADDRNOTAVAIL):
        return f"cannot listen for Slack's HTTP requests: {exc.strerror} (set PORT or --port, CLOUDAI_HOST)"
    return None


@dataclass
class Serving:
    """A running Slack connection: the HTTP port (HTTP mode) and how to stop it."""

    stop: Callable[[], None]
    port: int | None = None


def serve(adapter: SlackAdapter, settings: Settings, mode: str, port: int | None = None,
          health: Health | None = None) -> Serving:
    """Serve Socket Mode or HTTP on background threads."""
    if mode == "http":
        server = http_server(adapter, settings.host, settings.port if port is None else port, health,
                             timeout=settings.http_timeout)
        log.info("serving Slack on http://%s:%d/slack/events (also /healthz and /metrics)", settings.host,
                 server.server_port)
        return Serving(_then(serve_in_background(server, "slack-http"), adapter.close), server.server_port)
    log.info("connecting to Slack in Socket Mode")
    handler = socket_mode_handler(adapter, settings)
    handler.connect()
    return Serving(_then(handler.close, adapter.close))


def _then(first: Callable[[], Any], second: Callable[[], Any]) -> Callable[[], None]:
    """Stop taking requests, then finish the answers in flight."""
    def both() -> None:
        first()
        second()

    return both


class SlackPlatform:
    """Slack in the `Platform` contract (adapters/platforms.py): Socket Mode or HTTP."""

    name = "slack"
    title = "Slack"
    settings_model = SlackSettings
    digest_variable = "SLACK_DIGEST_CHANNEL"

    def configured(self, settings: Settings) -> bool:
        return filled(slack_settings(settings).bot_token)

    def mode(self, settings: Settings, http: bool | None) -> str:
        return "http" if http else slack_settings(settings).mode

    def missing(self, settings: Settings, http: bool | None) -> list[str]:
        return missing(settings, self.mode(settings, http))

    async def start(self, launch: Launch) -> Running | None:
        import sys

        adapter = await asyncio.to_thread(connect, launch.live, launch.settings, launch.prog,
                                          conversation=launch.conversation)
        if adapter is None:
            return None
        mode = launch.plan.mode(self.name)
        assert mode is not None  # an adapter is built only for a planned mode
        try:
            serving = await asyncio.to_thread(serve, adapter, launch.settings, mode, launch.plan.port,
                                              launch.health)
        except Exception as exc:
            problem = serve_problem(exc)
            if problem is None:
                raise
            print(f"{launch.prog}: {problem}", file=sys.stderr)
            return None
        return Running(stop=serving.stop, port=serving.port, serves_health=mode == "http")

    def digest_target(self, settings: Settings, running: Running | None) -> Target | None:
        channel = slack_settings(settings).digest_channel
        if not channel:
            return None
        return digest_target(settings, channel)

    def problem(self, exc: BaseException) -> str | None:
        return None


PLATFORM = SlackPlatform()
