"""The Discord adapter, end to end over a fake Discord on 127.0.0.1 (tests/discord_fake.py).

Unmodified discord.py logs in over REST, connects to the fake gateway, receives the events
a user's actions would produce, and sends its replies over REST, where the test reads
them as Discord would: the embed, the reference to the message, `allowed_mentions`, the
buttons, and the interaction callbacks.
"""

from __future__ import annotations

import asyncio
import logging
import subprocess
from pathlib import Path
from typing import Any, Awaitable, Callable

import discord
import pytest
import yarl

from adapters import platforms
from adapters.discord import (
    ASKED_PREFIX,
    BUTTONS_MAX,
    DESCRIPTION_MAX,
    EMBED_TOTAL_MAX,
    FIELD_VALUE_MAX,
    DiscordAdapter,
    DiscordSettings,
    login_problem,
    render,
    serve,
)
from bot.assistant import Assistant
from bot.feedback import LogFeedback
from bot.models import Reply, Source
from bot.ratelimit import QuestionLimiter
from bot.settings import Settings
from tests import discord_fake as fake_discord
from tests.conftest import ROOT, run_cloudai, write
from tests.discord_fake import BOT_ID, CHANNEL_ID, DM_CHANNEL_ID, THREAD_ID, FakeDiscord, Sent

pytestmark = pytest.mark.slow  # a fake Discord gateway and REST API, and `cloudai` processes

MESSAGE_CONTENT_INTENT = 1 << 15
EPHEMERAL = 64
BOT = fake_discord.user(BOT_ID, "cloudai", bot=True)
Scenario = Callable[[FakeDiscord, DiscordAdapter], Awaitable[None]]


@pytest.fixture(autouse=True)
def _restore_discord_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    """`serve` points discord.py at the fake; put the real URLs back afterwards."""
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY",
                        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY)


def play(scenario: Scenario, assistant: Assistant, **options: Any) -> None:
    """Start the fake and the bot, wait until it is ready (commands synced), run the scenario."""

    async def main() -> None:
        fake = await FakeDiscord(shards=options.pop("shards", 1)).start()
        settings = Settings(_env_file=None).given(DiscordSettings(  # type: ignore[call-arg]
            _env_file=None, token=fake_discord.TOKEN, api_url=fake.base, gateway_url=fake.gateway,
            guild_id=options.pop("guild_id", int(fake_discord.GUILD_ID)),
            message_content=options.pop("message_content", False), autoshard=options.pop("autoshard", False)))
        bot = DiscordAdapter(assistant, settings, **options)
        bot.client._connection.guild_ready_timeout = 0.05  # one guild; no need to wait 2 s for more
        task = asyncio.create_task(serve(bot))
        try:
            await asyncio.wait_for(bot.client.wait_until_ready(), 10)
            await scenario(fake, bot)
        finally:
            await bot.client.close()
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await fake.stop()

    asyncio.run(main())


def mention(text: str, **kwargs: Any) -> dict[str, Any]:
    return fake_discord.message(f"<@{BOT_ID}> {text}", mentions=[BOT], **kwargs)


def only(sent: list[Sent]) -> Sent:
    assert len(sent) == 1, [(s.method, s.path) for s in sent]
    return sent[0]


def no_pings(sent: Sent) -> None:
    assert sent.json["allowed_mentions"]["parse"] == []
    assert not sent.json["allowed_mentions"].get("users") and not sent.json["allowed_mentions"].get("roles")


# -- start-up ----------------------------------------------------------------------------

def test_start_up_syncs_cloudai_to_the_guild_without_the_message_content_intent(
        bundled: Assistant, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)

    async def scenario(fake: FakeDiscord, bot: DiscordAdapter) -> None:
        sync = only(await fake.pop(1))
        assert (sync.method, sync.path) == ("PUT", f"/applications/{fake_discord.APP_ID}/guilds/"
                                                   f"{fake_discord.GUILD_ID}/commands")
        (command,) = sync.body
        assert command["name"] == "cloudai"
        assert command["options"][0]["name"] == "question" and command["options"][0]["autocomplete"] is True
        assert command["options"][0]["required"] is False
        assert not fake.identify["intents"] & MESSAGE_CONTENT_INTENT

    play(scenario, bundled)
    assert "Message Content intent: off" in caplog.text
    assert "invite link: https://discord.com/oauth2/authorize?client_id=" in caplog.text
    assert fake_discord.TOKEN not in caplog.text


def test_without_a_guild_id_the_command_is_synced_globally(bundled: Assistant) -> None:
    async def scenario(fake: FakeDiscord, bot: DiscordAdapter) -> None:
        sync = only(await fake.pop(1))
        assert (sync.method, sync.path) == ("PUT", f"/applications/{fake_discord.APP_ID}/commands")

    play(scenario, bundled, guild_id=None)


def test_message_content_intent_is_requested_only_when_configured(
        bundled: Assistant, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)

    async def scenario(fake: FakeDiscord, bot: DiscordAdapter) -> None:
        assert fake.identify["intents"] & MESSAGE_CONTENT_INTENT

    play(scenario, bundled, message_content=True)
    assert "Message Content intent: requested" in caplog.text


# -- mentions and DMs --------------------------------------------------------------------

def test_a_mention_is_answered_as_a_reply_with_an_embed_and_buttons(bundled: Assistant) -> None:
    async def scenario(fake: FakeDiscord, bot: DiscordAdapter) -> None:
        await fake.pop(1)  # command sync
        question = mention("what is AIaaS?")
        await fake.push("MESSAGE_CREATE", question)
        sent = only(await fake.pop(1))
        assert (sent.method, sent.path) == ("POST", f"/channels/{CHANNEL_ID}/messages")
        assert sent.json["message_reference"]["message_id"] == int(question["id"])
        no_pings(sent)
        assert sent.json["allowed_mentions"]["replied_user"] is False
        embed = sent.embed
        assert "AIaaS" in embed["title"] + embed["description"]
        assert "as a Service" in embed["description"] or "as-a-Service" in embed["description"]
        assert embed["footer"]["text"] == ASKED_PREFIX + "what is AIaaS?"
        (sources,) = [f for f in embed["fields"] if f["name"] == "Sources"]
        assert sources["value"].startswith("• ")
        ids = [b["custom_id"] for b in sent.buttons]
        assert [i.split(":")[2] for i in ids[-2:]] == ["up", "down"]
        assert any(i.startswith("cloudai:topic:") for i in ids)
        assert all(len(i) <= 100 for i in ids) and len(ids) <= BUTTONS_MAX

    play(scenario, bundled)


def test_a_mention_in_a_thread_is_answered_in_the_thread(bundled: Assistant) -> None:
    async def scenario(fake: FakeDiscord, bot: DiscordAdapter) -> None:
        await fake.pop(1)
        question = mention("best practices", channel_id=THREAD_ID)
        await fake.push("MESSAGE_CREATE", question)
        sent = only(await fake.pop(1))
        assert sent.path == f"/channels/{THREAD_ID}/messages"
        assert sent.json["message_reference"]["message_id"] == int(question["id"])
        assert "Best Practices" in sent.embed["title"] + sent.embed["description"]

    play(scenario, bundled)


def test_a_follow_up_in_a_channel_is_read_with_its_previous_question(bundled: Assistant) -> None:
    """The channel (or thread) is the conversation: a short question there leans on the last one."""
    async def scenario(fake: FakeDiscord, bot: DiscordAdapter) -> None:
        await fake.pop(1)
        await fake.push("MESSAGE_CREATE", mention("use cases in healthcare"))
        assert only(await fake.pop(1)).embed["title"] == "Healthcare"
        await fake.push("MESSAGE_CREATE", mention("and in retail?"))
        retail = only(await fake.pop(1)).embed
        assert retail["title"] == "Retail" and retail["footer"]["text"] == ASKED_PREFIX + "use cases in retail"
        await fake.push("MESSAGE_CREATE", mention("tell me more"))
        assert only(await fake.pop(1)).embed["title"] == "Cloud AI Use Cases by Industry"  # what Retail is part of
        await fake.push("MESSAGE_CREATE", mention("tell me more", channel_id=THREAD_ID))  # another conversation
        assert only(await fake.pop(1)).embed["title"] == "No confident answer"

    play(scenario, bundled)


def test_a_direct_message_is_answered(bundled: Assistant) -> None:
    async def scenario(fake: FakeDiscord, bot: DiscordAdapter) -> None:
        await fake.pop(1)
        await fake.push("MESSAGE_CREATE", fake_discord.message("healthcare use cases", channel_id=DM_CHANNEL_ID,
                                                               in_guild=False))
        sent = only(await fake.pop(1))
        assert sent.path == f"/channels/{DM_CHANNEL_ID}/messages"
        assert "health" in (sent.embed["title"] + sent.embed["description"]).lower()
        no_pings(sent)

    play(scenario, bundled)


def test_bots_and_chatter_without_a_mention_are_ignored(bundled: Assistant) -> None:
    async def scenario(fake: FakeDiscord, bot: DiscordAdapter) -> None:
        await fake.pop(1)
        other_bot = fake_discord.user(fake_discord.OTHER_BOT_ID, "otherbot", bot=True)
        await fake.push("MESSAGE_CREATE", mention("what is AIaaS?", author=other_bot))
        await fake.push("MESSAGE_CREATE", mention("what is AIaaS?", author=BOT))
        await fake.push("MESSAGE_CREATE", fake_discord.message("what is AIaaS?"))  # no mention
        assert await fake.pop(1, timeout=0.5) == []

    play(scenario, bundled)


def test_a_mention_of_nothing_but_the_bot_gets_the_usage(bundled: Assistant) -> None:
    """Without the Message Content intent Discord still sends a mention's text; a bare
    mention (or one whose text is withheld) is answered with how to ask."""
    async def scenario(fake: FakeDiscord, bot: DiscordAdapter) -> None:
        await fake.pop(1)
        await fake.push("MESSAGE_CREATE", fake_discord.message(f"<@{BOT_ID}>", mentions=[BOT]))
        await fake.push("MESSAGE_CREATE", fake_discord.message("", mentions=[BOT]))
        sent = await fake.pop(2)
        assert len(sent) == 2
        for s in sent:
            assert s.embed["title"] == "How to use cloudai"

    play(scenario, bundled)


def test_mentions_in_questions_and_documents_never_ping(tmp_path: Path) -> None:
    write(tmp_path, "ops.md", "---\ntitle: Paging policy\n---\n# Paging policy\n\n"
          "On-call rotation: ping @everyone and @here, or <@123456789012345678> and <@&223456789012345678>, "
          "when the paging policy says an outage is severe.\n")
    assistant = Assistant.load(tmp_path)

    async def scenario(fake: FakeDiscord, bot: DiscordAdapter) -> None:
        await fake.pop(1)
        await fake.push("MESSAGE_CREATE", mention("@everyone paging policy on-call rotation @here"))
        sent = only(await fake.pop(1))
        no_pings(sent)
        text = sent.embed["description"]
        assert "rotation" in text
        for raw in ("@everyone", "@here", "<@123456789012345678>", "<@&223456789012345678>"):
            assert raw not in text
        assert "@\u200beveryone" in text
        assert "@everyone" not in sent.embed["footer"]["text"]

    play(scenario, assistant)


# -- /cloudai ----------------------------------------------------------------------------

def test_slash_command_defers_then_answers_in_the_channel(bundled: Assistant) -> None:
    async def scenario(fake: FakeDiscord, bot: DiscordAdapter) -> None:
        await fake.pop(1)
        event = fake_discord.slash("market size of cloud AI")
        await fake.push("INTERACTION_CREATE", event)
        defer, followup = await fake.pop(2)
        assert defer.path == f"/interactions/{event['id']}/{event['token']}/callback"
        assert defer.body["type"] == 5 and not (defer.body.get("data") or {}).get("flags")  # thinking, public
        assert followup.path == f"/webhooks/{fake_discord.APP_ID}/{event['token']}"
        no_pings(followup)
        assert not (followup.json.get("flags") or 0) & EPHEMERAL
        assert "market" in (followup.embed["title"] + followup.embed["description"]).lower()
        assert followup.buttons

    play(scenario, bundled)


@pytest.mark.parametrize("question", [None, "help"])
def test_slash_command_help_and_empty_are_ephemeral(bundled: Assistant, question: str | None) -> None:
    async def scenario(fake: FakeDiscord, bot: DiscordAdapter) -> None:
        await fake.pop(1)
        await fake.push("INTERACTION_CREATE", fake_discord.slash(question))
        sent = only(await fake.pop(1))
        assert sent.body["type"] == 4
        assert sent.json["flags"] & EPHEMERAL
        assert sent.embed["title"] == "How to use cloudai"
        no_pings(sent)

    play(scenario, bundled)


def test_autocomplete_offers_topics_from_the_knowledge(bundled: Assistant) -> None:
    async def scenario(fake: FakeDiscord, bot: DiscordAdapter) -> None:
        await fake.pop(1)
        await fake.push("INTERACTION_CREATE", fake_discord.autocomplete("helthcare"))
        await fake.push("INTERACTION_CREATE", fake_discord.autocomplete(""))
        typed, empty = await fake.pop(2)
        assert typed.body["type"] == 8 and empty.body["type"] == 8
        names = [c["name"] for c in typed.body["data"]["choices"]]
        assert names and any("health" in n.lower() for n in names)
        assert 1 <= len(empty.body["data"]["choices"]) <= 25
        assert empty.body["data"]["choices"][0]["name"] in bundled.topics()

    play(scenario, bundled)


# -- buttons -----------------------------------------------------------------------------

async def click_on_reply(fake: FakeDiscord, question: str, prefix: str) -> tuple[dict[str, Any], Sent]:
    """Mention the bot with `question`, click the reply's first button whose custom id starts
    with `prefix`; the button and what the click made the bot send."""
    await fake.push("MESSAGE_CREATE", mention(question))
    reply = only(await fake.pop(1))
    button = next(b for b in reply.buttons if b["custom_id"].startswith(prefix))
    shown = fake_discord.message("", author=BOT, embeds=[reply.embed], components=reply.json["components"])
    await fake.push("INTERACTION_CREATE", fake_discord.click(button["custom_id"], shown))
    return button, only(await fake.pop(1))


def test_a_topic_button_asks_that_topic(bundled: Assistant) -> None:
    async def scenario(fake: FakeDiscord, bot: DiscordAdapter) -> None:
        await fake.pop(1)
        topic, answer = await click_on_reply(fake, "what is AIaaS?", "cloudai:topic:")
        assert answer.body["type"] == 4
        assert answer.embed["footer"]["text"] == ASKED_PREFIX + topic["label"]
        no_pings(answer)

    play(scenario, bundled)


def test_a_topic_button_cut_by_discord_still_answers_its_section(tmp_path: Path) -> None:
    """A custom id holds 100 characters, so a long "Parent › Heading" label reaches the bot
    cut; the cut label used to be asked as a question. A label cut this way is completed
    to the one topic it begins."""
    long = "Configuring the cluster autoscaler for GPU node pools that scale to zero outside office hours"
    write(tmp_path, "a.md", f"# Scaling guide\n\nHow we scale the GPU pools.\n\n## {long}\n\nSet the minimum to zero nodes.\n")
    write(tmp_path, "b.md", f"# Other guide\n\nHow the other team scales.\n\n## {long}\n\nThe other team keeps one node.\n")

    async def scenario(fake: FakeDiscord, bot: DiscordAdapter) -> None:
        await fake.pop(1)
        topic, answer = await click_on_reply(fake, "scaling guide", "cloudai:topic:Scaling guide ›")
        assert len(topic["custom_id"]) == 100 and not topic["custom_id"].endswith("office hours")  # cut
        assert "Set the minimum to zero nodes." in answer.embed["description"], answer.embed
        assert "keeps one node" not in answer.embed["description"]

    play(scenario, Assistant.load(tmp_path))


def test_feedback_buttons_record_the_vote_with_question_and_source(bundled: Assistant) -> None:
    votes = LogFeedback()

    async def scenario(fake: FakeDiscord, bot: DiscordAdapter) -> None:
        await fake.pop(1)
        _, thanks = await click_on_reply(fake, "best practices", "cloudai:vote:down")
        assert thanks.body["type"] == 4 and thanks.json["flags"] & EPHEMERAL
        assert "Thanks for the feedback" in thanks.json["content"]

    play(scenario, bundled, feedback=votes)
    (vote,) = votes.recorded
    assert (vote.vote, vote.platform, vote.question) == (-1, "discord", "best practices")
    assert vote.source.startswith("Best Practices") and vote.user == fake_discord.USER_ID


# -- limits and failures -----------------------------------------------------------------

def test_a_long_answer_is_cut_within_discords_limits_with_a_pointer() -> None:
    items = "\n".join(f"- **Item {i}:** " + "a sentence about cloud AI practice. " * 6 for i in range(80))
    source = Source("Handbook", "Handbook › Everything", "handbook.md", "everything")
    reply = Reply(title="T" * 300, body=items, sources=(source,) * 40, related=tuple(f"topic {i}" for i in range(40)),
                  question="q" * 3000, intent="best_practices")
    rendered = render(reply)
    data = rendered.embed.to_dict()
    assert len(data["title"]) <= 256
    assert len(data["description"]) <= DESCRIPTION_MAX
    assert len(rendered.embed) <= EMBED_TOTAL_MAX
    assert all(len(f["value"]) <= FIELD_VALUE_MAX for f in data["fields"])
    assert data["description"].endswith("_Answer shortened — the rest is in **Handbook › Handbook › Everything**._")
    kept = data["description"].split("\n\n_Answer shortened")[0]
    assert kept.rstrip(" …").endswith("practice.")  # cut after an item or a sentence, not mid-word
    assert rendered.view is not None and len(rendered.view.children) <= BUTTONS_MAX
    assert len(rendered.view.children) == 7  # five topics and two votes


def test_an_error_gets_an_apology_and_the_bot_keeps_answering(
        bundled: Assistant, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    calls = {"n": 0}
    real_reply = bundled.reply

    def flaky(text: str) -> Reply:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("index exploded")
        return real_reply(text)

    async def scenario(fake: FakeDiscord, bot: DiscordAdapter) -> None:
        await fake.pop(1)
        monkeypatch.setattr(bot.assistant, "reply", flaky)
        await fake.push("MESSAGE_CREATE", mention("what is AIaaS?"))
        sorry = only(await fake.pop(1))
        assert sorry.json["content"].startswith("Something went wrong")
        assert "index exploded" not in sorry.json["content"] and "Traceback" not in sorry.json["content"]
        await fake.push("INTERACTION_CREATE", fake_discord.slash("what is AIaaS?"))
        defer, followup = await fake.pop(2)
        assert "AIaaS" in followup.embed["title"] + followup.embed["description"]

    play(scenario, bundled)
    assert "index exploded" in caplog.text  # the traceback is in the log


def test_a_user_over_the_rate_limit_gets_a_polite_notice(bundled: Assistant) -> None:
    async def scenario(fake: FakeDiscord, bot: DiscordAdapter) -> None:
        await fake.pop(1)
        for q in ("what is AIaaS?", "best practices", "trends"):
            await fake.push("MESSAGE_CREATE", mention(q))
        answered = await fake.pop(3)
        assert sorted(bool(s.json.get("embeds")) for s in answered) == [False, True, True]
        (notice,) = [s for s in answered if not s.json.get("embeds")]
        assert "asking faster than I can keep up with" in notice.json["content"]
        assert "try again in" in notice.json["content"]
        no_pings(notice)
        await fake.push("INTERACTION_CREATE", fake_discord.slash("trends"))
        refused = only(await fake.pop(1))
        assert refused.json["flags"] & EPHEMERAL and "try again in" in refused.json["content"]

    play(scenario, bundled, limiter=QuestionLimiter(per_user="2/minute", per_channel=None))


# -- the command -------------------------------------------------------------------------

def test_cloudai_discord_without_a_token_names_the_variable(tmp_path: Path) -> None:
    proc = run_cloudai(["discord"], {"HOME": str(tmp_path)})
    assert proc.returncode == 2
    assert "DISCORD_TOKEN" in proc.stderr and "Traceback" not in proc.stderr


def test_cloudai_discord_with_a_rejected_token_says_so_in_one_line() -> None:
    async def main() -> subprocess.CompletedProcess[str]:
        fake = await FakeDiscord(fail_login=True).start()
        try:
            return await asyncio.to_thread(run_cloudai, ["discord"], {
                "DISCORD_TOKEN": "not-a-real-token-4b1d", "DISCORD_API_URL": fake.base,
                "DISCORD_GATEWAY_URL": fake.gateway})
        finally:
            await fake.stop()

    proc = asyncio.run(main())
    assert proc.returncode == 2
    assert "Discord did not accept DISCORD_TOKEN" in proc.stderr
    assert "Traceback" not in proc.stderr and "not-a-real-token-4b1d" not in proc.stderr + proc.stdout


def test_login_problem_explains_a_missing_privileged_intent() -> None:
    assert "Message Content intent" in (login_problem(discord.PrivilegedIntentsRequired(None)) or "")
    assert login_problem(RuntimeError("x")) is None


def test_cloudai_run_without_any_platform_lists_what_to_set(tmp_path: Path) -> None:
    proc = run_cloudai(["run"], {"HOME": str(tmp_path)})
    assert proc.returncode == 2
    assert "SLACK_BOT_TOKEN" in proc.stderr and "DISCORD_TOKEN" in proc.stderr


def test_the_token_is_masked_and_the_procfile_runs_discord() -> None:
    section = DiscordSettings(_env_file=None, token="secret-token-value")  # type: ignore[call-arg]
    settings = Settings(_env_file=None).given(section)  # type: ignore[call-arg]
    assert "secret-token-value" not in repr(settings) + str(settings) + repr(section) + str(section)
    procfile = (ROOT / "Procfile").read_text(encoding="utf-8")
    assert "discord: cloudai discord" in procfile
    assert yarl.URL(discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY).host == "gateway.discord.gg"


def test_cloudai_run_serves_slack_and_discord_from_one_knowledge_base(bundled: Assistant) -> None:
    """What `cloudai run` does once settings are read: both platforms, one assistant, one set of limits."""
    from adapters.runner import Plan, serve_all

    from .slack_fake import FORM, SIGNING_SECRET, signed_post, slash_command, start_fake_slack

    slack_fake = start_fake_slack()
    limiter = QuestionLimiter(per_user="2/minute", per_channel=None)

    async def main() -> None:
        fake = await FakeDiscord().start()
        stopping = asyncio.Event()
        ports: list[int | None] = []
        from adapters.slack import SlackSettings

        settings = Settings(_env_file=None, host="127.0.0.1", reload=False).given(  # type: ignore[call-arg]
            SlackSettings(_env_file=None, bot_token="xoxb-test", signing_secret=SIGNING_SECRET,  # type: ignore[call-arg]
                          api_url=f"{slack_fake.url}/api/"),
            DiscordSettings(_env_file=None, token=fake_discord.TOKEN, api_url=fake.base,  # type: ignore[call-arg]
                            gateway_url=fake.gateway))
        running = asyncio.create_task(serve_all(bundled, settings, Plan({"slack": "http", "discord": True}, port=0),
                                                limiter=limiter, stopping=stopping,
                                                on_started=lambda name, r: ports.append(r.port) if name == "slack" else None))
        try:
            assert only(await fake.pop(1)).method == "PUT"  # Discord connected and synced
            await fake.push("MESSAGE_CREATE", mention("what is AIaaS?"))
            assert "AIaaS" in only(await fake.pop(1)).embed["description"]
            url = f"http://127.0.0.1:{ports[0]}/slack/events"
            await asyncio.to_thread(signed_post, url, slash_command(slack_fake, "best practices"), FORM)
            posted = await asyncio.to_thread(slack_fake.pop, "/response/cmd")
            assert "Best Practices" in "\n".join(posted.texts)
            await asyncio.to_thread(signed_post, url, slash_command(slack_fake, "trends"), FORM)
            _, ack = await asyncio.to_thread(signed_post, url, slash_command(slack_fake, "trends"), FORM)
            assert "try again in" in ack  # the third question from one Slack user within a minute
        finally:
            stopping.set()
            assert await asyncio.wait_for(running, 10) == 0
            await fake.stop()
            slack_fake.server.shutdown()

    asyncio.run(main())


def test_a_no_match_shows_did_you_mean_buttons_and_no_votes(bundled: Assistant) -> None:
    reply = bundled.reply("helthcare plorf zork")  # one known word of three: declined, with suggestions
    assert reply.no_match and reply.suggestions
    rendered = render(reply)
    assert rendered.embed.title == "No confident answer"
    assert rendered.view is not None
    ids = [item.custom_id for item in rendered.view.children]  # type: ignore[attr-defined]
    assert ids and all(i.startswith("cloudai:topic:") for i in ids)
    assert [i.removeprefix("cloudai:topic:") for i in ids] == list(reply.suggestions)[:5]


# -- running for real --------------------------------------------------------------------

def test_autoshard_connects_every_shard_discord_recommends_and_answers(bundled: Assistant) -> None:
    async def scenario(fake: FakeDiscord, bot: DiscordAdapter) -> None:
        assert isinstance(bot.client, discord.AutoShardedClient)
        assert sorted(i["shard"] for i in fake.identifies) == [[0, 2], [1, 2]]
        await fake.pop(1)  # the command sync
        await fake.push("MESSAGE_CREATE", mention("what is AIaaS?"))
        reply = only(await fake.pop(1))
        assert "AIaaS" in reply.embed["description"]
        no_pings(reply)

    play(scenario, bundled, autoshard=True, shards=2)


def test_reload_is_an_admin_command_answered_privately(tmp_path: Path) -> None:
    from bot.admins import Admins
    from bot.live import LiveAssistant

    folder = tmp_path / "kb"
    write(folder, "gpus.md", "# GPU Clusters\n\nGPU clusters are cooled by air.\n")
    live = LiveAssistant(Assistant.load(folder), Admins.parse(f"discord:{fake_discord.USER_ID}", platforms.names()))

    async def scenario(fake: FakeDiscord, bot: DiscordAdapter) -> None:
        await fake.pop(1)
        write(folder, "gpus.md", "# GPU Clusters\n\nGPU clusters are cooled by liquid.\n")
        eve = fake_discord.user("4242", "eve")
        await fake.push("MESSAGE_CREATE", mention("reload", author=eve))
        refused = only(await fake.pop(1))
        assert refused.embed["title"] == "Not allowed" and "admin" in refused.embed["description"]
        assert "air" in live.reply("how are GPU clusters cooled").body  # nothing was reloaded

        event = fake_discord.slash("reload")  # from USER_ID, an admin
        await fake.push("INTERACTION_CREATE", event)
        defer, followup = await fake.pop(2)
        assert defer.body["type"] == 5 and defer.body["data"]["flags"] & EPHEMERAL
        assert followup.json["flags"] & EPHEMERAL
        assert followup.embed["title"] == "Knowledge reloaded"
        assert "1 document," in followup.embed["description"]
        no_pings(followup)
        await fake.push("MESSAGE_CREATE", mention("how are GPU clusters cooled?"))
        assert "liquid" in only(await fake.pop(1)).embed["description"]

    play(scenario, live)  # type: ignore[arg-type]
