"""Discord on discord.py: mentions, DMs and `/cloudai` in; embeds with buttons out.

A thin translation layer: a Discord message or interaction becomes one
`Conversation.handle(Incoming)` call (bot/conversation.py: help, limits, admin, answer),
and the `Reply` in its `Outcome` becomes an embed plus a view of buttons.
No matching happens here. Every send carries `AllowedMentions.none()`, so a mention
written in a question or a document is shown and never pings; every embed stays within
Discord's limits (discord.py checks none of them).

Buttons are `DynamicItem`s: their state lives in the custom id, so a button on a reply
sent before a restart still works after it, and no view is kept in memory per message.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass, field
from typing import Any

import discord
from discord import app_commands
from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from adapters.platforms import Launch, Running
from bot.assistant import Assistant
from bot.compose import APOLOGY, shorten, shortened_note
from bot.conversation import Conversation, Incoming, Kind, Outcome
from bot.delivery import Target
from bot.digest import Digest
from bot.feedback import Feedback, FeedbackSink, LogFeedback
from bot.live import LiveAssistant
from bot.models import Reply
from bot.ratelimit import QuestionLimiter
from bot.render import Dialect, Link, backtick_fence, convert
from bot.settings import Settings, filled

log = logging.getLogger("cloudai.discord")

# Discord's limits (developer docs, "Embed Limits" and "Message Components")
CONTENT_MAX = 2000
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
EMBED_TOTAL_MAX = 6000
BUTTONS_MAX = 25
BUTTON_LABEL_MAX = 80
CUSTOM_ID_MAX = 100
MAX_TOPIC_BUTTONS = 5
ASKED_PREFIX = "Asked: "
SOURCES_FIELD = "Sources"
COLOUR = discord.Colour.from_rgb(47, 128, 237)
NO_PINGS = discord.AllowedMentions.none()

# bot + applications.commands, with: View Channels, Send Messages, Send Messages in Threads,
# Embed Links, Read Message History
INVITE_PERMISSIONS = discord.Permissions(view_channel=True, send_messages=True, send_messages_in_threads=True,
                                         embed_links=True, read_message_history=True)


class DiscordSettings(BaseSettings):
    """Discord's settings, a section of `Settings` (`settings.section(DiscordSettings)`): the
    secrets keep the names Discord's docs use, a `CLOUDAI_` spelling is accepted too."""

    model_config = SettingsConfigDict(env_prefix="CLOUDAI_DISCORD_", env_file=".env", env_file_encoding="utf-8",
                                      extra="ignore", populate_by_name=True)

    token: SecretStr | None = Field(None, validation_alias=AliasChoices("DISCORD_TOKEN", "CLOUDAI_DISCORD_TOKEN"))
    guild_id: int | None = Field(None, validation_alias=AliasChoices("DISCORD_GUILD_ID", "CLOUDAI_DISCORD_GUILD_ID"))
    message_content: bool = False  # CLOUDAI_DISCORD_MESSAGE_CONTENT: the privileged intent
    autoshard: bool = False  # CLOUDAI_DISCORD_AUTOSHARD: AutoShardedClient (past ~1,000 servers)
    api_url: str | None = Field(None, validation_alias=AliasChoices("DISCORD_API_URL", "CLOUDAI_DISCORD_API_URL"))
    gateway_url: str | None = Field(None, validation_alias=AliasChoices("DISCORD_GATEWAY_URL", "CLOUDAI_DISCORD_GATEWAY_URL"))
    digest_channel_id: str = Field("", validation_alias=AliasChoices("DISCORD_DIGEST_CHANNEL_ID", "CLOUDAI_DISCORD_DIGEST_CHANNEL_ID"))

    @field_validator("digest_channel_id")
    @classmethod
    def _a_snowflake(cls, value: str) -> str:
        if value.strip() and not value.strip().isdigit():
            raise ValueError(f"DISCORD_DIGEST_CHANNEL_ID={value!r} is not a channel id (Developer Mode → right-click "
                             "the channel → Copy Channel ID)")
        return value.strip()


def discord_settings(settings: Settings) -> DiscordSettings:
    """Discord's section of `settings` (ValueError naming a bad variable)."""
    return settings.section(DiscordSettings)


def missing(settings: Settings) -> list[str]:
    """DISCORD_TOKEN, with where to find it, when it is not set."""
    if filled(discord_settings(settings).token):
        return []
    return ["DISCORD_TOKEN: the bot token from https://discord.com/developers/applications "
            "→ your application → Bot → Reset Token"]


def point_at(settings: Settings) -> None:
    """Send REST and gateway traffic to DISCORD_API_URL / DISCORD_GATEWAY_URL (proxies, tests)."""
    import yarl

    options = discord_settings(settings)
    if options.api_url:
        discord.http.Route.BASE = options.api_url.rstrip("/")
    if options.gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(options.gateway_url)


# -- rendering -------------------------------------------------------------------------

# @everyone/@here/@channel wherever they stand (`_@here_`, `x@everyone_`), and user/role ids
_MENTION = re.compile(r"@(everyone|here|channel|[!&]?[0-9]{17,20})", re.IGNORECASE)
_CLOSES_LABEL = re.compile(r"\](?=\()")  # `](`: the only place a masked link's label can end
_OURS = "\x00"  # the `](` of a link made here, while the text around it is made inert
_BRACKETS = re.compile(r"\\?[\[\]]")
_URL_QUOTED = {"[": "%5B", "]": "%5D", "<": "%3C", ">": "%3E", "\\": "%5C"}
_PUNCTUATION = frozenset(r"""!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~""")


def _defuse(text: str) -> str:
    """Mentions shown, never triggered (a zero-width space after the `@`)."""
    return _MENTION.sub("@\u200b\\1", text)


def _inert(text: str, code: bool = False) -> str:
    """Text in which no masked link can end: each `](` is broken (`]\\(` shows as `](`; in code,
    where a backslash would show, by a zero-width space)."""
    return _CLOSES_LABEL.sub("]\u200b" if code else lambda m: "]\\", text)


def _link(link: Link) -> str:
    """A document's `[label](url)`: a masked link whose label holds no bracket (so no `[` before
    it can stretch a label over it), or the URL itself where the label names another site."""
    quoted = _defuse("".join(_URL_QUOTED.get(c, c) for c in link.url))
    label = _BRACKETS.sub("", link.label)
    if link.bare or not label.strip():
        return f"<{quoted}>"  # the label names another site (or nothing): show where the link goes
    return "[" + label + _OURS + quoted + ")"


class DiscordMarkdown(Dialect):
    """Discord's Markdown for the walker in bot/render.py: `**bold**`, `*italic*`, `~~struck~~`,
    `-` lists, headings bold, masked links to http(s) only; mentions defused outside code."""

    strong_marks = ("**", "**")
    emphasis_marks = ("*", "*")
    strike_marks = ("~~", "~~")
    bold_headings = True
    link_schemes = ("http://", "https://")  # relative (and mailto:) links mean nothing in Discord

    def text(self, text: str) -> str:
        return _defuse(text)

    def escaped(self, char: str) -> str:
        return "\\" + char if char in _PUNCTUATION else char

    def code(self, code: str) -> str:
        return _inert(f"`` {code} ``" if "`" in code else f"`{code}`", code=True)

    def code_block(self, code: str, info: str) -> str:
        return _inert(backtick_fence(code, info), code=True)

    def link(self, link: Link) -> str:
        return _link(link)

    def heading(self, level: int, text: str) -> str:
        return f"**{text}**" if text else ""


DISCORD_MARKDOWN = DiscordMarkdown()


def to_discord(markdown: str, links: bool = True) -> str:
    """The core's Markdown as Discord shows it in an embed: headings bold, relative links as
    text, and mentions defused (a zero-width space) outside code.

    The only masked links in the result are the ones made here from `[label](http…)`, with a
    label free of brackets that names no other site (else the URL itself is shown). Every other
    `](`, in text or in code, is broken, so nested or stray brackets (`[[x]](url)`,
    `[a [b] c](url)`) make no link. With `links=False` (text quoting what a user wrote) no link
    is made at all."""
    written = convert(markdown.replace(_OURS, ""), DISCORD_MARKDOWN, links)
    return _inert(written).replace(_OURS, "](")  # code has no `](` left: `]\u200b(`


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class Rendered:
    """What one reply sends: an embed and its buttons (as `send(**rendered.kwargs)`)."""

    embed: discord.Embed
    view: discord.ui.View | None

    @property
    def kwargs(self) -> dict[str, Any]:
        out: dict[str, Any] = {"embed": self.embed, "allowed_mentions": NO_PINGS}
        if self.view is not None:
            out["view"] = self.view
        return out


def render(reply: Reply) -> Rendered:
    """A `Reply` as an embed (title, answer, sources, the question) plus topic/vote buttons."""
    embed = discord.Embed(title=_clip(_defuse(reply.title), TITLE_MAX), colour=COLOUR)
    sources = "\n".join(f"• {_defuse(_inert(s.label))}" for s in reply.sources[:5])
    sources = _clip(sources, FIELD_VALUE_MAX)
    footer = _clip(ASKED_PREFIX + _defuse(" ".join(reply.question.split())), 300) if reply.question else ""
    room = min(DESCRIPTION_MAX, EMBED_TOTAL_MAX - len(embed.title or "") - len(sources) - len(SOURCES_FIELD)
               - len(footer))
    body = to_discord(reply.body, links=not reply.no_match)  # a no-match reply quotes the question
    if len(body) > room:
        note = "\n\n" + _defuse(_inert(shortened_note(reply.sources[0].label if reply.sources else None)))
        body = shorten(body, room - len(note))[0] + note
    embed.description = body
    if sources:
        embed.add_field(name=SOURCES_FIELD, value=sources, inline=False)
    if footer:
        embed.set_footer(text=footer)

    view = discord.ui.View(timeout=None)
    topics = reply.suggestions if reply.no_match else reply.related
    for topic in topics[:MAX_TOPIC_BUTTONS]:
        view.add_item(TopicButton(topic))
    if not reply.no_match and reply.sources:
        view.add_item(VoteButton("up", reply.intent))
        view.add_item(VoteButton("down", reply.intent))
    return Rendered(embed, view if view.children else None)


def render_digest(digest: Digest) -> discord.Embed:
    """The daily digest as an embed: one field per part, within Discord's limits."""
    embed = discord.Embed(title=_clip(_defuse(digest.title), TITLE_MAX), colour=COLOUR)
    for heading, part in digest.parts()[:FIELDS_MAX]:
        value = to_discord(part)
        if len(value) > FIELD_VALUE_MAX:
            value = shorten(value, FIELD_VALUE_MAX)[0]
        embed.add_field(name=_clip(_defuse(heading), 256), value=value, inline=False)
    return embed


def digest_target(settings: Settings, channel_id: str, client: discord.Client | None = None) -> Target:
    """Posts digests to a channel over REST: through the running bot's connection when there is
    one, else by logging in just to post (no gateway). discord.py retries 429s and 5xx itself."""
    async def post(digest: Digest) -> str:
        send: dict[str, Any] = {"embed": render_digest(digest), "allowed_mentions": NO_PINGS}
        if client is not None and not client.is_closed() and client.user is not None:
            message = await client.get_partial_messageable(int(channel_id)).send(**send)
            return str(message.id)
        token = discord_settings(settings).token
        assert token is not None
        point_at(settings)
        poster = discord.Client(intents=discord.Intents.none())
        try:
            await poster.login(token.get_secret_value())
            message = await poster.get_partial_messageable(int(channel_id)).send(**send)
            return str(message.id)
        finally:
            await poster.close()

    return Target("discord", channel_id, post)


def notice(text: str) -> dict[str, Any]:
    """A short plain message (an apology, a rate-limit notice) as `send` arguments."""
    return {"content": _clip(text, CONTENT_MAX), "allowed_mentions": NO_PINGS}


# -- buttons ---------------------------------------------------------------------------

class TopicButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"cloudai:topic:(?P<topic>.+)"):
    """A related topic or "did you mean": clicking it asks that topic."""

    def __init__(self, topic: str) -> None:
        topic = " ".join(topic.split())
        label = _clip(topic, BUTTON_LABEL_MAX)
        custom_id = "cloudai:topic:" + topic
        if len(custom_id) > CUSTOM_ID_MAX:
            custom_id = custom_id[:CUSTOM_ID_MAX]
        super().__init__(discord.ui.Button(label=label, style=discord.ButtonStyle.secondary, custom_id=custom_id))
        self.topic = custom_id.removeprefix("cloudai:topic:")

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str]) -> "TopicButton":
        return cls(match["topic"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await _adapter(interaction).on_topic(interaction, self.topic)


class VoteButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                 template=r"cloudai:vote:(?P<vote>up|down):(?P<intent>[\w.-]*)"):
    """👍 / 👎 on an answer; the question and source are read back from the embed."""

    def __init__(self, vote: str, intent: str | None) -> None:
        self.vote = vote
        self.intent = intent or None
        emoji, label = ("👍", "Helpful") if vote == "up" else ("👎", "Not helpful")
        custom_id = f"cloudai:vote:{vote}:{(intent or '')[:60]}"
        super().__init__(discord.ui.Button(label=label, emoji=emoji, style=discord.ButtonStyle.secondary,
                                           custom_id=custom_id))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Item[Any],
                             match: re.Match[str]) -> "VoteButton":
        return cls(match["vote"], match["intent"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await _adapter(interaction).on_vote(interaction, 1 if self.vote == "up" else -1, self.intent)


def _adapter(interaction: discord.Interaction) -> "DiscordAdapter":
    client = interaction.client
    assert isinstance(client, (CloudaiClient, CloudaiShardedClient))
    return client.adapter


# -- the bot ---------------------------------------------------------------------------

class _AdapterSetup:
    """Our start-up step for either client; all behaviour lives in `DiscordAdapter`."""

    adapter: "DiscordAdapter"

    async def setup_hook(self) -> None:
        await self.adapter.setup()


class CloudaiClient(_AdapterSetup, discord.Client):
    """discord.py's client, one gateway connection."""


class CloudaiShardedClient(_AdapterSetup, discord.AutoShardedClient):
    """Over as many gateway shards as Discord recommends (CLOUDAI_DISCORD_AUTOSHARD): needed
    past about 1,000 servers; one process holds every shard."""


@dataclass
class DiscordAdapter:
    """One assistant on one Discord connection: the event handlers and the command tree."""

    assistant: Assistant | LiveAssistant
    settings: Settings
    feedback: FeedbackSink = field(default_factory=LogFeedback)
    limiter: QuestionLimiter | None = None  # None: no limits (the commands pass the configured limits)
    conversation: Conversation | None = None  # shared with other platforms; else built from the fields above
    live: LiveAssistant = field(init=False)
    client: CloudaiClient | CloudaiShardedClient = field(init=False)
    tree: app_commands.CommandTree[Any] = field(init=False)

    def __post_init__(self) -> None:
        self.live = LiveAssistant.of(self.assistant)
        if self.conversation is None:
            self.conversation = Conversation.kept_in(None, self.live, self.limiter, self.settings.followup_minutes,
                                                     self.feedback)
        intents = discord.Intents.default()
        intents.message_content = discord_settings(self.settings).message_content
        kind = CloudaiShardedClient if discord_settings(self.settings).autoshard else CloudaiClient
        self.client = kind(intents=intents, allowed_mentions=NO_PINGS)
        self.client.adapter = self
        self.tree = app_commands.CommandTree(self.client)
        self.tree.on_error = self.on_command_error  # type: ignore[method-assign]
        self.client.event(self.on_ready)
        self.client.event(self.on_message)
        self._add_command()

    # -- start-up ----------------------------------------------------------------------

    async def setup(self) -> None:
        """Register the buttons and publish `/cloudai`: to one server when DISCORD_GUILD_ID is set
        (instant), globally otherwise (Discord may take a while to show it everywhere)."""
        self.client.add_dynamic_items(TopicButton, VoteButton)
        try:
            guild_id = discord_settings(self.settings).guild_id
            if guild_id:
                guild = discord.Object(id=guild_id)
                self.tree.copy_global_to(guild=guild)
                await self.tree.sync(guild=guild)
                log.info("/cloudai synced to server %s", guild_id)
            else:
                await self.tree.sync()
                log.info("/cloudai synced globally (new servers may take up to an hour to show it)")
        except discord.HTTPException as exc:
            log.warning("could not sync /cloudai (%s); mentions and DMs still work", exc)

    async def on_ready(self) -> None:
        user = self.client.user
        shards = f", {self.client.shard_count} shards" if isinstance(self.client, discord.AutoShardedClient) else ""
        log.info("connected to Discord as %s (%d servers%s)", user, len(self.client.guilds), shards)
        if discord_settings(self.settings).message_content:
            log.info("Message Content intent: requested; the bot sees message text, and still answers only "
                     "mentions, DMs and /cloudai")
        else:
            log.info("Message Content intent: off (not needed); mentions, DMs and /cloudai work; set "
                     "CLOUDAI_DISCORD_MESSAGE_CONTENT=true after enabling it in the Developer Portal to read "
                     "replies that do not mention the bot")
        if self.client.application_id:
            log.info("invite link: %s", discord.utils.oauth_url(
                self.client.application_id, permissions=INVITE_PERMISSIONS, scopes=("bot", "applications.commands")))

    # -- messages ----------------------------------------------------------------------

    @property
    def talk(self) -> Conversation:
        assert self.conversation is not None  # set in __post_init__
        return self.conversation

    async def handle(self, incoming: Incoming) -> Outcome:
        """The shared flow off the event loop (an answer takes milliseconds, a reload a load)."""
        return await asyncio.to_thread(self.talk.handle, incoming)

    @staticmethod
    def show(outcome: Outcome) -> dict[str, Any]:
        """An outcome as `send` arguments: a refusal in our own words, anything else rendered."""
        return notice(outcome.notice) if outcome.reply is None else render(outcome.reply).kwargs

    @staticmethod
    def incoming(user: int, channel: int | None, text: str, kind: Kind) -> Incoming:
        """A message as the core sees it; the channel (or thread) is the conversation."""
        where = str(channel) if channel else None
        return Incoming("discord", str(user), where, where, text, kind)

    async def on_message(self, message: discord.Message) -> None:
        """A mention in a server, or any DM; never a bot (ourselves included)."""
        me = self.client.user
        if message.author.bot or me is None:
            return
        if message.guild is not None and not any(u.id == me.id for u in message.mentions):
            return
        try:
            outcome = await self.handle(self.incoming(message.author.id, message.channel.id, message.content,
                                                      "dm" if message.guild is None else "mention"))
            await message.reply(mention_author=False, **self.show(outcome))
        except Exception:
            log.exception("failed to answer a message in channel %s", message.channel.id)
            try:
                await message.reply(mention_author=False, **notice(APOLOGY))
            except Exception:
                log.exception("could not send the apology either")

    # -- /cloudai ----------------------------------------------------------------------

    def _add_command(self) -> None:
        @app_commands.command(name="cloudai", description="Ask the knowledge base a question")
        @app_commands.describe(question="What you want to know; empty or 'help' shows how to ask")
        async def cloudai(interaction: discord.Interaction, question: str | None = None) -> None:
            await self.on_command(interaction, question or "")

        @cloudai.autocomplete("question")
        async def topics(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
            return self.autocomplete(current)

        self.tree.add_command(cloudai)

    def autocomplete(self, current: str) -> list[app_commands.Choice[str]]:
        """Topics that look like what is typed so far; the most linked-to topics when empty."""
        labels = self.live.suggest(current, limit=25) if current.strip() else self.live.topics(limit=25)
        if current.strip() and not labels:
            labels = [current]
        return [app_commands.Choice(name=_clip(label, 100), value=label[:100]) for label in labels[:25]]

    async def on_command(self, interaction: discord.Interaction, question: str) -> None:
        """Help and refusals answer at once, privately; an admin command privately after a defer;
        a question publicly after a defer."""
        incoming = self.incoming(interaction.user.id, interaction.channel_id, question, "command")
        early = await asyncio.to_thread(self.talk.screen, incoming)  # before reading the text at all (help aside)
        if early is not None:
            await interaction.response.send_message(ephemeral=True, **self.show(early))
            return
        admin = self.live.is_command(question)
        await interaction.response.defer(ephemeral=admin, thinking=True)
        outcome = await asyncio.to_thread(self.talk.respond, incoming)
        reply: dict[str, Any] = {**({"ephemeral": True} if admin else {}), **self.show(outcome)}
        await interaction.followup.send(**reply)

    async def on_command_error(self, interaction: discord.Interaction,
                               error: app_commands.AppCommandError) -> None:
        log.error("failed to answer /cloudai", exc_info=error)
        await _apologise(interaction)

    # -- buttons -----------------------------------------------------------------------

    async def on_topic(self, interaction: discord.Interaction, topic: str) -> None:
        try:
            outcome = await self.handle(self.incoming(interaction.user.id, interaction.channel_id, topic, "button"))
            shown: dict[str, Any] = {**({"ephemeral": True} if outcome.kind == "refusal" else {}),
                                     **self.show(outcome)}
            await interaction.response.send_message(**shown)
        except Exception:
            log.exception("failed to answer a topic button")
            await _apologise(interaction)

    async def on_vote(self, interaction: discord.Interaction, vote: int, intent: str | None) -> None:
        try:
            question, source = _asked(interaction.message)
            self.talk.record(Feedback(question=question, source=source, vote=vote, platform="discord",
                                      user=str(interaction.user.id), intent=intent))
            await interaction.response.send_message(
                ephemeral=True, **notice("Thanks for the feedback! " + ("👍" if vote > 0 else "👎")))
        except Exception:
            log.exception("failed to record feedback")
            await _apologise(interaction)


def _asked(message: discord.Message | None) -> tuple[str, str]:
    """The question (footer) and top source (first line of the Sources field) of a reply."""
    if message is None or not message.embeds:
        return "", ""
    embed = message.embeds[0]
    question = (embed.footer.text or "").removeprefix(ASKED_PREFIX)
    source = next((f.value or "" for f in embed.fields if f.name == SOURCES_FIELD), "")
    first = source.splitlines()[0] if source else ""
    return question, first.removeprefix("• ").replace("\u200b", "")


async def _apologise(interaction: discord.Interaction) -> None:
    try:
        if interaction.response.is_done():
            await interaction.followup.send(ephemeral=True, **notice(APOLOGY))
        else:
            await interaction.response.send_message(ephemeral=True, **notice(APOLOGY))
    except Exception:
        log.exception("could not send the apology either")


# -- running ---------------------------------------------------------------------------

async def serve(adapter: DiscordAdapter) -> None:
    """Connect and stay connected (discord.py reconnects by itself) until cancelled."""
    token = discord_settings(adapter.settings).token
    assert token is not None
    point_at(adapter.settings)
    async with adapter.client:
        await adapter.client.start(token.get_secret_value(), reconnect=True)


def login_problem(exc: BaseException) -> str | None:
    """A one-line explanation for the start-up failures a user can fix, else None."""
    if isinstance(exc, discord.LoginFailure):
        return "Discord did not accept DISCORD_TOKEN (reset it under Bot → Reset Token and try again)"
    if isinstance(exc, discord.PrivilegedIntentsRequired):
        return ("CLOUDAI_DISCORD_MESSAGE_CONTENT is set but the Message Content intent is not enabled for this "
                "bot (Developer Portal → Bot → Privileged Gateway Intents); enable it or unset the variable")
    return None


class DiscordPlatform:
    """Discord in the `Platform` contract (adapters/platforms.py): one gateway connection."""

    name = "discord"
    title = "Discord"
    settings_model = DiscordSettings
    digest_variable = "DISCORD_DIGEST_CHANNEL_ID"

    def configured(self, settings: Settings) -> bool:
        return filled(discord_settings(settings).token)

    def mode(self, settings: Settings, http: bool | None) -> bool:
        return True

    def missing(self, settings: Settings, http: bool | None) -> list[str]:
        return missing(settings)

    async def start(self, launch: Launch) -> Running | None:
        bot = DiscordAdapter(launch.live, launch.settings, conversation=launch.conversation)
        return Running(task=asyncio.create_task(serve(bot), name="discord"), client=bot.client)

    def digest_target(self, settings: Settings, running: Running | None) -> Target | None:
        channel_id = discord_settings(settings).digest_channel_id
        if not channel_id:
            return None
        return digest_target(settings, channel_id, running.client if running is not None else None)

    def problem(self, exc: BaseException) -> str | None:
        return login_problem(exc)


PLATFORM = DiscordPlatform()
