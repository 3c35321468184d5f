"""Hardening of what the renderers hand to Slack and Discord (issue 13, item 8, rendering parts).

a. A link whose label names another site (`[https://slack.com/signin](https://evil.example/login)`)
   must not render as a clickable label that looks like that site.
b. Link syntax in a question, quoted back by the no-match reply (nested brackets, or brackets
   that only become a link once the core has stripped the markup), must never become a link.
c. @here / @everyone / @channel are neutralised wherever they stand, `_@here_` and `x@everyone_` too.

The checks read the output as the platform would: Slack's `<url|label>` links in the Block Kit
JSON, and Discord's masked links by the rule of Discord's Markdown parser (simple-markdown's
`link`), tried at every `[` so that a link formed anywhere is found.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest

from adapters.discord import DiscordAdapter
from adapters.discord import render as discord_render
from adapters.discord import render_digest as discord_render_digest
from adapters.slack import escape, to_mrkdwn
from adapters.slack import render as slack_render
from adapters.slack import render_digest as slack_render_digest
from bot.assistant import Assistant
from bot.digest import Digest, DigestItem
from bot.models import Reply, Source
from tests.discord_fake import FakeDiscord
from tests.slack_fake import FORM, JSON, Posted, event_callback, signed_post, slash_command
from tests.test_discord import _restore_discord_urls, mention, no_pings, only, play  # noqa: F401 (fixture)
from tests.test_slack import slack  # noqa: F401 (the module's fake Slack + adapter fixture)

# -- reading the output as the platforms do ----------------------------------------------

SLACK_LINK = re.compile(r"<((?:https?|mailto):[^|>]*)(?:\|([^>]*))?>")
# simple-markdown's link rule, which Discord's parser uses: label, then `(href "title")`
_INSIDE = r"(?:\[[^\]]*\]|[^\[\]]|\](?=[^\[]*\]))*"
_HREF = r"\s*<?((?:\([^)]*\)|[^\s\\])*?)>?(?:\s+['\"]([\s\S]*?)['\"])?\s*"
DISCORD_LINK = re.compile(r"\[(" + _INSIDE + r")\]\(" + _HREF + r"\)")
NAMED_HOST = re.compile(r"(?:[a-z0-9-]+\.)+(?:com|org|net|example)\b", re.IGNORECASE)
LIVE = re.compile(r"@(everyone|here|channel)", re.IGNORECASE)


def slack_links(text: str) -> list[tuple[str, str | None]]:
    return [(m.group(1), m.group(2)) for m in SLACK_LINK.finditer(text)]


def discord_links(text: str) -> list[tuple[str, str | None]]:
    """Every masked link Discord could read in `text` (href, label), tried at each `[`."""
    out = []
    for i, ch in enumerate(text):
        if ch == "[":
            m = DISCORD_LINK.match(text, i)
            if m:
                out.append((m.group(2), m.group(1)))
    return out


def host(url: str) -> str:
    return (urlsplit(url).hostname or "").removeprefix("www.")


def deceptive(links: list[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
    """Links whose label names a host other than the one they open."""
    return [(url, label) for url, label in links if label and any(
        h.lower().removeprefix("www.") != host(url) for h in NAMED_HOST.findall(label))]


def slack_shown(message: dict) -> str:
    """All text of a chat.postMessage / response_url payload, as the user sees it."""
    return "\n".join(Posted("", message).texts)


def embed_markdown(embed: dict) -> str:
    """Where Discord renders Markdown in an embed, links included (footers are plain text)."""
    return "\n".join([embed.get("description", "")] + [f.get("value", "") for f in embed.get("fields", [])])


def embed_texts(embed: dict) -> str:
    parts = [embed.get("title", ""), embed.get("description", ""), (embed.get("footer") or {}).get("text", "")]
    parts += [f.get("name", "") + "\n" + f.get("value", "") for f in embed.get("fields", [])]
    return "\n".join(parts)


DOC = (
    "Sign in at [https://slack.com/signin](https://evil.example/login) or [slack.com](https://evil.example/x).\n\n"
    "Or [good](https://evil.example|https://good.com) and [https://good.com](https://evil.example|https://good.com).\n\n"
    "Read [ok](https://good.example/page) and ](https://evil.example/2) too.\n\n"
    "See [https://slack.com/signin [[the docs]](https://evil.example/3).\n\n"
    "The [runbook](https://wiki.example/runbook) and [docs.example.com/guide](https://docs.example.com/guide) "
    "and [`torch.distributed`](https://pytorch.org/docs/distributed) and [[See the docs]](https://docs.example.com/a) "
    "and [Foo](https://en.wikipedia.org/wiki/Foo_(bar)) stay links."
)
ANSWER = Reply(title="Signing in", body=DOC, sources=(Source("Sign-in guide", "Sign-in guide", "signin.md", ""),),
               question="how do I sign in")


# -- a. a label naming another site ------------------------------------------------------

def test_slack_never_shows_a_label_naming_another_site() -> None:
    shown = slack_shown(slack_render(ANSWER, asked_by="jane"))
    links = slack_links(shown)
    assert not deceptive(links), deceptive(links)
    assert "<https://evil.example|https://good.com" not in shown  # a `|` in the URL must not end it early
    assert "https://evil.example/login" in shown, "the real target is shown instead"
    assert ("https://wiki.example/runbook", "runbook") in links
    assert ("https://docs.example.com/guide", "docs.example.com/guide") in links
    # a CommonMark autolink opens its whole URL, shown as it is: its `|` cannot split off a label
    assert slack_links(to_mrkdwn("<https://evil|https://good>")) == [("https://evil%7Chttps://good", None)]
    assert "&lt;https://evil|https://good&gt;" in to_mrkdwn("<https://evil|https://good>", links=False)


def test_discord_never_shows_a_label_naming_another_site() -> None:
    description = discord_render(ANSWER).embed.description or ""
    links = discord_links(description)
    # incl. `[ok](good) ](evil)` or `[https://slack.com/signin [[x]](evil)` read as one link to evil
    assert not deceptive(links), deceptive(links)
    assert "https://evil.example/login" in description
    assert ("https://wiki.example/runbook", "runbook") in links
    assert ("https://pytorch.org/docs/distributed", "`torch.distributed`") in links
    assert ("https://docs.example.com/a", "See the docs") in links
    assert ("https://en.wikipedia.org/wiki/Foo_(bar)", "Foo") in links


def test_digests_show_no_label_naming_another_site() -> None:
    trend = DigestItem("signin.md#a", "Signing in", DOC, "Sign-in guide › Signing in")
    digest = Digest(day=dt.date(2024, 1, 2), trend=trend)
    fields = discord_render_digest(digest).to_dict()["fields"]
    assert not deceptive(discord_links("\n".join(f["value"] for f in fields)))
    assert not deceptive(slack_links(slack_shown(slack_render_digest(digest))))


# -- b. link syntax in a question --------------------------------------------------------

DISCORD_QUESTIONS = [
    "[[click]](https://evil.example) plorf zork",
    "[a [b] c](https://evil.example) plorf zork",
    "[[b](x)](https://evil.example) plorf zork",  # `[b](https://evil.example)` once markup is stripped
    "[b]**(https://evil.example)** plorf zork",  # likewise, once emphasis is stripped
]
SLACK_QUESTIONS = DISCORD_QUESTIONS[2:]  # Slack has no `[label](url)` syntax: only these became links


@pytest.mark.parametrize("question", DISCORD_QUESTIONS)
def test_a_question_quoted_by_discord_makes_no_link(bundled: Assistant, question: str) -> None:
    reply = bundled.reply(question)
    assert reply.no_match and "evil.example" in reply.body
    embed = discord_render(reply).embed.to_dict()
    assert not discord_links(embed_markdown(embed)), discord_links(embed_markdown(embed))
    assert "https://evil.example" in embed["description"], "the text is still shown"


@pytest.mark.parametrize("question", SLACK_QUESTIONS)
def test_a_question_quoted_by_slack_makes_no_link(bundled: Assistant, question: str) -> None:
    reply = bundled.reply(question)
    assert reply.no_match and "evil.example" in reply.body
    shown = slack_shown(slack_render(reply, asked_by="jane"))
    assert not [u for u, _ in slack_links(shown) if "evil" in u], shown
    assert "https://evil.example" in shown


@pytest.mark.slow  # a fake Slack / Discord server
def test_slack_end_to_end_a_question_with_link_syntax_is_quoted_as_text(slack) -> None:  # noqa: F811
    fake, url, _ = slack
    signed_post(f"{url}/slack/events", slash_command(fake, "[[b](x)](https://evil.example) plorf zork"), FORM)
    posted = fake.pop("/response/cmd")
    shown = "\n".join(posted.texts)
    assert "No confident answer" in shown
    assert not [u for u, _ in slack_links(shown) if "evil" in u], shown


@pytest.mark.slow  # a fake Slack / Discord server
def test_discord_end_to_end_a_question_with_nested_brackets_makes_no_link(bundled: Assistant) -> None:
    async def scenario(fake: FakeDiscord, bot: DiscordAdapter) -> None:
        await fake.pop(1)
        await fake.push("MESSAGE_CREATE", mention("[[click]](https://evil.example) [a [b] c](https://evil.example) "
                                                  "[[b](x)](https://evil.example) plorf zork"))
        sent = only(await fake.pop(1))
        no_pings(sent)
        assert sent.embed["title"] == "No confident answer"
        assert not discord_links(embed_markdown(sent.embed)), sent.embed

    play(scenario, bundled)


# -- c. @here / @everyone / @channel wherever they stand ----------------------------------

MENTIONS = "_@here_ x@everyone_ *@channel* ~@Here~ @[here](page) @everyone"


def test_slack_neutralises_special_mentions_next_to_any_character() -> None:
    assert not LIVE.search(escape("_@here_ x@everyone_ @channel_ @HERE"))
    assert not LIVE.search(to_mrkdwn(MENTIONS))
    reply = Reply(title="Ping _@here_", body=MENTIONS, question="_@here_ x@everyone_ plorf")
    assert not LIVE.search(slack_shown(slack_render(reply, asked_by="jane")))


def test_discord_neutralises_special_mentions_everywhere_in_the_embed() -> None:
    reply = Reply(title="Ping _@here_", body=MENTIONS + " @channel",
                  sources=(Source("@everyone's guide", "@everyone's guide", "g.md", ""),),
                  question="_@here_ x@everyone_ plorf")
    embed = discord_render(reply).embed.to_dict()
    assert not LIVE.search(embed_texts(embed)), embed
    assert "@\u200bhere" in embed["footer"]["text"]


@pytest.mark.slow  # a fake Slack / Discord server
def test_slack_end_to_end_special_mentions_in_a_question_are_neutralised(slack) -> None:  # noqa: F811
    fake, url, _ = slack
    event = {"type": "app_mention", "user": "U1", "text": "<@UBOT> _@here_ x@everyone_ @channel_ plorf zork",
             "ts": "1700000099.000100", "channel": "C1", "event_ts": "1700000099.000100"}
    signed_post(f"{url}/slack/events", event_callback(event, "Ev-hardening-mentions"), JSON)
    posted = fake.pop("/api/chat.postMessage")
    shown = "\n".join(posted.texts)
    assert "plorf" in shown
    assert not LIVE.search(shown), shown


@pytest.mark.slow  # a fake Slack / Discord server
def test_discord_end_to_end_special_mentions_in_a_question_are_neutralised(bundled: Assistant) -> None:
    async def scenario(fake: FakeDiscord, bot: DiscordAdapter) -> None:
        await fake.pop(1)
        await fake.push("MESSAGE_CREATE", mention("_@here_ x@everyone_ @channel_ plorf zork"))
        sent = only(await fake.pop(1))
        no_pings(sent)
        assert "plorf" in sent.embed["footer"]["text"]
        assert not LIVE.search(embed_texts(sent.embed)), sent.embed

    play(scenario, bundled)


@pytest.mark.parametrize("question", ["_@here_ best practices", "best practices @everyone_", "*@channel* trends",
                                      "x@here_ security"])
def test_the_core_drops_special_mentions_next_to_markup(question: str) -> None:
    """The question is read (and quoted back) without @here/@everyone/@channel, whatever stands beside them."""
    from bot.retriever import clean_question

    cleaned = clean_question(question).lower()
    assert not any(f"@{name}" in cleaned for name in ("here", "everyone", "channel")), cleaned
