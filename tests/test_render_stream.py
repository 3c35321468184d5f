"""One Markdown token stream, three dialects (issue 14, item 4).

bot/render.py walks markdown-it-py's tokens once and asks a dialect how to write each thing:
Slack mrkdwn (adapters/slack.py), Discord Markdown (adapters/discord.py) and the terminal
(bot/terminal.py). Each test gives the same Markdown to all three and checks what a user
would see: the raw text each platform receives, and where useful that text as the platform
shows it (`slack_seen`, `discord_seen`: escapes and zero-width spaces gone).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from adapters.discord import to_discord
from adapters.slack import to_mrkdwn
from bot.models import Reply
from bot.render import Dialect, convert, plain_text
from bot.terminal import Terminal
from bot.terminal import render as terminal_render

LIVE = re.compile(r"@(everyone|here|channel)", re.IGNORECASE)


def terminal(markdown: str, width: int = 88) -> str:
    return convert(markdown, Terminal(width))


def slack_seen(mrkdwn: str) -> str:
    return mrkdwn.replace("\u200b", "").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def discord_seen(text: str) -> str:
    return re.sub(r"\\([^0-9A-Za-z\s])", r"\1", text.replace("\u200b", ""))


def all_three(markdown: str) -> tuple[str, str, str]:
    return to_mrkdwn(markdown), to_discord(markdown), terminal(markdown)


def test_nested_bullet_lists() -> None:
    slack, discord, term = all_three("- fruit\n  - apple\n    - green\n  - pear\n- veg\n")
    assert slack == "• fruit\n  • apple\n    • green\n  • pear\n• veg"
    assert discord == term == "- fruit\n  - apple\n    - green\n  - pear\n- veg"
    # `*` and `+` bullets are the same list items
    assert to_mrkdwn("* one\n+ two") == "• one\n\n• two"  # two lists (the marker changed), as CommonMark reads it


def test_a_loose_list_keeps_its_blank_lines_and_item_paragraphs() -> None:
    slack, discord, term = all_three("- first\n\n  more about it\n- second\n")
    assert slack == "• first\n\n  more about it\n\n• second"
    assert discord == term == "- first\n\n  more about it\n\n- second"


def test_ordered_lists_number_from_their_start() -> None:
    for out in all_three("3. three\n4. four\n   1. inner\n   2. inner too\n5. five\n"):
        assert out == "3. three\n4. four\n   1. inner\n   2. inner too\n5. five"
    for out in all_three("1) a\n1) b"):
        assert out == "1) a\n2) b"


def test_a_link_with_a_label() -> None:
    slack, discord, term = all_three("See [the guide](https://docs.example.org/guide?a=1&b=2) now.")
    assert slack == "See <https://docs.example.org/guide?a=1&amp;b=2|the guide> now."
    assert discord == "See [the guide](https://docs.example.org/guide?a=1&b=2) now."
    assert term == "See the guide (https://docs.example.org/guide?a=1&b=2) now."


def test_a_link_without_a_label_shows_its_url() -> None:
    slack, discord, term = all_three("Open [](https://docs.example.org/x).")
    assert slack == "Open <https://docs.example.org/x>."
    assert discord == "Open <https://docs.example.org/x>."
    assert term == "Open https://docs.example.org/x."


def test_a_relative_link_is_its_label() -> None:
    for out in all_three("Read [the runbook](runbook.md#restart) first."):
        assert out == "Read the runbook first."


def test_a_label_naming_another_site_shows_the_real_target() -> None:
    slack, discord, term = all_three("[https://slack.com/signin](https://evil.example/login)")
    assert slack == "<https://evil.example/login>"
    assert discord == "<https://evil.example/login>"
    assert term == "https://slack.com/signin (https://evil.example/login)"  # nothing hides behind a label here


def test_bare_autolinks() -> None:
    slack, discord, term = all_three("At <https://status.example.com/a_b> or <ops@example.com>; also https://example.org/c_d.")
    assert slack == "At <https://status.example.com/a_b> or <mailto:ops@example.com>; also https://example.org/c_d."
    assert discord == "At <https://status.example.com/a_b> or ops@example.com; also https://example.org/c_d."
    assert term == "At https://status.example.com/a_b or ops@example.com; also https://example.org/c_d."


def test_emphasis_and_strong() -> None:
    slack, discord, term = all_three("**bold**, *it*, _also it_, __bold too__, ***both*** and ~~gone~~")
    assert slack == "*bold*, _it_, _also it_, *bold too*, _*both*_ and ~gone~"
    assert discord == "**bold**, *it*, *also it*, **bold too**, ***both*** and ~~gone~~"
    assert term == "bold, it, also it, bold too, both and ~~gone~~"


def test_inline_code_keeps_asterisks_and_angle_brackets() -> None:
    slack, discord, term = all_three("Run `a*b*c <file>` and `` x`y ``.")
    assert slack == "Run `a*b*c &lt;file&gt;` and `x`y`."
    assert slack_seen(slack).startswith("Run `a*b*c <file>`")
    assert discord == term == "Run `a*b*c <file>` and `` x`y ``."


def test_a_fenced_block_is_copied_exactly() -> None:
    """Its code as written; its language named where the chat highlights it (Discord, the
    terminal), without what the fence says for the site's renderer (`title="app.py"`);
    Slack's mrkdwn highlights nothing, so a language there would be a line of code."""
    body = "Before.\n\n```python title=\"app.py\"\nprint('**not bold**', '<@U123>')  # [x](https://evil.example)\n```\n\nAfter."
    slack, discord, term = all_three(body)
    code = "print('**not bold**', '<@U123>')  # [x](https://evil.example)"
    assert f"Before.\n\n```\n{slack_seen(code)}\n```" in slack_seen(slack)
    assert "&lt;@U123&gt;" in slack and "<https://evil" not in slack  # Slack's escaping holds in code too
    assert f"```python\n{code}\n```" in discord_seen(discord)
    assert "](" not in discord  # no masked link can form in code either (`]\u200b(`)
    assert f"```python\n{code}\n```" in term


def test_a_tilde_fence_and_an_unclosed_fence_become_backtick_fences() -> None:
    slack, discord, term = all_three("~~~\nkeep ``` this\n~~~\n\n```\nopen *to the end*")
    for out in (slack, discord):
        assert out.count("```") == 4  # the inner ``` is broken, the unclosed fence closed
        assert out.endswith("open *to the end*\n```")
    assert "keep ``` this" in term and term.startswith("````\n")  # the terminal fences around it instead


def test_escaped_characters_show_as_written() -> None:
    slack, discord, term = all_three(r"\*not em\* and \_not em\_ and 1\. not a list and \<b>")
    assert slack_seen(slack) == "*not em* and _not em_ and 1. not a list and <b>"
    assert "*not em*" not in slack  # mrkdwn has no escapes: zero-width spaces keep them apart
    assert discord == r"\*not em\* and \_not em\_ and 1\. not a list and \<b>"
    assert discord_seen(discord) == slack_seen(slack)
    assert term == slack_seen(slack)


def test_inline_html_is_written_as_markdown_and_never_interpreted() -> None:
    """The common tags of documents become their Markdown (attributes and all go with the
    tag); any other tag is shown as text, as before (bot/inlinehtml.py)."""
    slack, discord, term = all_three("Press <kbd>Ctrl</kbd> & <b onclick='x'>go</b>.\n\n<div>\n*block*\n</div>")
    assert slack == "Press `Ctrl` &amp; *go*.\n\n_block_"
    assert discord == "Press `Ctrl` & **go**.\n\n*block*"
    assert term == "Press `Ctrl` & go.\n\nblock"
    slack, discord, term = all_three("Then <script>alert(1)</script> runs.")
    assert slack == "Then &lt;script&gt;alert(1)&lt;/script&gt; runs."
    assert discord == term == "Then <script>alert(1)</script> runs."


def test_headings() -> None:
    slack, discord, term = all_three("# Getting started\n\nText.\n\n## The **cluster** setup ##\n")
    assert slack == "*Getting started*\n\nText.\n\n*The cluster setup*"  # no bold inside a bold heading
    assert discord == "**Getting started**\n\nText.\n\n**The cluster setup**"
    assert term == "Getting started\n===============\n\nText.\n\nThe cluster setup\n-----------------"


def test_block_quotes_and_rules() -> None:
    slack, discord, term = all_three("> quoted *text*\n> more\n\n---\n\nafter")
    assert slack == "> quoted _text_\n> more\n\n──────────\n\nafter"
    assert discord == "> quoted *text*\n> more\n\n──────────\n\nafter"
    assert term == "> quoted text\n> more\n\n──────────\n\nafter"


def test_mentions_never_ping_however_they_are_written() -> None:
    body = "@&#104;ere \\@everyone @[channel](page) @**here** <@U123> <!channel> @123456789012345678"
    slack, discord = to_mrkdwn(body), to_discord(body)
    assert not LIVE.search(slack) and not LIVE.search(discord)
    assert "&lt;@U123&gt;" in slack and "&lt;!channel&gt;" in slack
    assert "@\u200b123456789012345678" in discord
    assert discord_seen(discord).startswith("@here @everyone @channel")  # still shown


def test_with_links_off_nothing_becomes_a_link() -> None:
    body = "[b](https://evil.example) <https://evil.example/2> ![pic](https://evil.example/3.png)"
    slack, discord = to_mrkdwn(body, links=False), to_discord(body, links=False)
    assert slack == "[b](https://evil.example) &lt;https://evil.example/2&gt; ![pic](https://evil.example/3.png)"
    assert "](" not in discord and discord_seen(discord.replace("]\\(", "](")) == body
    assert terminal_render(Reply(title="T", body=body, no_match=True)).splitlines()[-1] == body
    assert plain_text(body, links=False) == body


def test_the_terminal_wraps_prose_but_not_code() -> None:
    long = "word " * 30
    out = terminal(f"- {long}\n  - {long}\n\n```\n{long}\n```", width=40)
    lines = out.splitlines()
    assert all(len(line) <= 40 for line in lines if not line.startswith("word"))
    assert lines[1].startswith("  word") and lines[0].startswith("- word")  # a hanging indent under the bullet
    assert any(line.startswith("    word") for line in lines)  # and deeper under the nested one
    assert long in lines  # the code line is never wrapped


def test_plain_text_for_notifications() -> None:
    assert plain_text("# T\n\n**Bold** [label](https://x.example) `code`") == "T\n\nBold label code"


def test_a_dialect_need_only_say_what_it_does_differently() -> None:
    class Shouting(Dialect):
        strong_marks = ("!", "!")

        def text(self, text: str) -> str:
            return text.upper()

    assert convert("say **hi** and `ok`", Shouting()) == "SAY !HI! AND ok"


@pytest.mark.parametrize("word", ["slack", "discord"])
def test_the_walker_names_no_platform(word: str) -> None:
    source = (Path(__file__).parents[1] / "bot" / "render.py").read_text(encoding="utf-8")
    assert word not in source.lower()
