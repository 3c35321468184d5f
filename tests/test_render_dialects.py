"""One reading of a reply's Markdown for every dialect (issue 14, item 4).

Which lines are fenced code is decided once, by markdown-it-py (bot/render.py), for Slack
mrkdwn, Discord Markdown and the terminal: a ~~~ fence is code everywhere, as it is for the
loader, and nothing inside a fence is rewritten. The loader keeps its own fast parser
(bot/markdown.py); the last test checks it agrees with markdown-it-py on the real corpora.
"""

from __future__ import annotations

import re
import time

import pytest
from markdown_it import MarkdownIt

from adapters.discord import to_discord
from adapters.slack import to_mrkdwn
from bot import markdown as fast
from bot.loader import _split_frontmatter
from bot.models import Reply
from bot.render import plain_text
from bot.terminal import render as terminal_render

from .conftest import corpus

INSIDE = "**not bold** *nor italic* [not a link](https://example.com) - not a bullet # not a heading"
TILDE = f"Before *this*.\n\n~~~python\n{INSIDE}\n~~~\n\nAfter *that*.\n"


def terminal(body: str) -> str:
    return terminal_render(Reply(title="T", body=body), width=40)


def discord_shown(body: str) -> str:
    """Discord's text less the zero-width spaces that break a `](` in code (the masked-link hardening)."""
    return to_discord(body).replace("]\u200b(", "](")


def test_a_tilde_fence_is_code_in_every_dialect() -> None:
    slack, discord, term = to_mrkdwn(TILDE), discord_shown(TILDE), terminal(TILDE)
    assert "```\n" + INSIDE + "\n```" in slack  # Slack knows only ```: the markers change, the inside does not
    assert "python" not in slack  # mrkdwn highlights nothing: the language would show as a line of code
    assert "<https://example.com" not in slack and "• not" not in slack
    assert "_this_" in slack and "_that_" in slack  # the prose around it is still rewritten
    assert "```python\n" + INSIDE + "\n```" in discord
    assert INSIDE in term.splitlines()  # never wrapped, although longer than the width
    for fence in ("~~~", "~~~~", "```"):
        body = f"{fence}\n{INSIDE}\n{fence}\n"
        assert INSIDE in to_mrkdwn(body) and INSIDE in discord_shown(body) and INSIDE in terminal(body)


HTML_DOC = ('<p align="center"><img src="rollback.png" alt="diagram"/></p>\n\n</img>\n\n'
            'More in <a\nhref="https://example.org/rollback" target="_blank">the rollback runbook</a>.\n\n'
            "Run <code>deployctl rollback</code> and watch the <b>canary</b>.<br>It takes <em>two</em> minutes; "
            "the `<br>` tag is HTML.\n\n<details>\n<summary>Why not redeploy?</summary>\n\nIt rebuilds.\n\n</details>\n\n"
            "<blockquote markdown=\"1\">\nThe <abbr title=\"Application Programming Interface\">API</abbr> is "
            "<small>stable</small>.\n</blockquote>\n\n"
            "| Step | Note |\n|---|---|\n| drain | slow<br>then fast |\n\n```html\n<b>kept</b><br>\n```\n\n"
            "If <code>len(x0) &lt; n</code>, sample more.\n")


def test_document_html_is_shown_as_its_markdown_in_every_dialect() -> None:
    """A document's <code>, <b>, <br>, <img>, <a href>, <details> showed as raw tags in replies."""
    slack, discord, term = to_mrkdwn(HTML_DOC), discord_shown(HTML_DOC), terminal(HTML_DOC)
    assert "`deployctl rollback`" in slack and "*canary*" in slack and "_two_" in slack
    assert "<https://example.org/rollback|the rollback runbook>" in slack
    assert "the rollback runbook (https://example.org/rollback)" in " ".join(term.split())
    assert "`deployctl rollback`" in discord and "**canary**" in discord
    assert "`deployctl rollback`" in term and "canary" in term and "Why not redeploy?" in term
    slack = slack.replace("&lt;", "<").replace("&gt;", ">")  # Slack's escapes, for comparing
    for shown in (slack, discord, term):
        assert "<b>kept</b><br>" in shown and "`<br>`" in shown  # code is shown as written
        prose = shown.replace("<b>kept</b><br>", "").replace("`<br>`", "")
        assert not re.search(r"</?(?:p|img|code|b|br|em|details|summary|a|abbr|small|blockquote)\b", prose), prose
        assert "slow then fast" in shown  # a break inside a table row keeps the row whole
        assert "The API is stable." in " ".join(shown.split())
    assert "`len(x0) < n`" in discord and "`len(x0) < n`" in term  # HTML's "&lt;" is "<" in its code

BLOCK_HTML_DOC = ("Katib supports these settings:\n\n  <table class=\"table table-bordered\">\n"
                  "    <tr><th>Setting</th><th>Default</th></tr>\n"
                  "    <tr>\n      <td><code>min_trials</code></td>\n      <td>3 | at least</td>\n    </tr>\n"
                  "  </table>\n\nPackages:\n\n<ul>\n<li>\n<a href=\"https://example.org/v1\">v1</a>\n</li>\n"
                  "<li>v2 <ul><li>beta</li></ul></li>\n</ul>\n<h2 id=\"v1\">Resource types</h2>\n"
                  "Write `<table>` or <code><li></code> to show a tag.")


def test_block_html_is_shown_as_rows_items_and_bold_lines_in_every_dialect() -> None:
    """Documentation tables and lists written in HTML showed as raw `<table>`, `<tr>`,
    `<td>` and `<li>` lines: a row is now a line of cells, an item a list item, a heading a
    bold line, and code (a span, or `<code>`) keeps its tags as written."""
    slack, discord, term = to_mrkdwn(BLOCK_HTML_DOC), discord_shown(BLOCK_HTML_DOC), terminal(BLOCK_HTML_DOC)
    slack = slack.replace("&lt;", "<").replace("&gt;", ">")
    for shown in (slack, discord, term):
        lines = [line.strip().replace("\\|", "|") for line in shown.splitlines()]  # Discord keeps the escape
        assert "| Setting | Default |" in lines and "| `min_trials` | 3 | at least |" in lines, shown
        assert lines.index("| Setting | Default |") + 1 == lines.index("| `min_trials` | 3 | at least |")
        assert "`<table>`" in shown and "`<li>`" in shown  # code is shown as written
        prose = shown.replace("`<table>`", "").replace("`<li>`", "")
        assert not re.search(r"</?(?:table|tr|td|th|ul|li|h2|a)\b", prose), prose
        assert "Resource types" in shown and "beta" in shown
    assert "<https://example.org/v1|v1>" in slack and "*Resource types*" in slack
    assert "v1 (https://example.org/v1)" in term


# a row a passage cut before it closed: its cell's lines indented as Kubeflow's release tables are
CUT_ROW = ("<table class=\"table\">\n  <tbody>\n    <tr>\n      <th>Release Team</th>\n      <td>\n"
           "        <b>Release Manager: </b> Tarek Abouzeid\n        <br>\n"
           "        <b>Release Manager Shadow: </b> Dominik Kawka\n")


def test_html_block_lines_are_no_code_block_when_their_tags_go_in_every_dialect() -> None:
    """Inside an HTML block, indentation means nothing: once a cut row's tags went, its cell's
    lines, indented 8 spaces, read as a code block, and the heading cell ran into them."""
    for shown in (to_mrkdwn(CUT_ROW), discord_shown(CUT_ROW), plain_text(CUT_ROW)):
        assert "```" not in shown and "    " not in shown, shown
        assert re.search(r"Release Team \W*Release Manager:\W* Tarek Abouzeid", shown), shown
        assert re.search(r"^\W*Release Manager Shadow:\W* Dominik Kawka$", shown, re.M), shown


# documentation hard-wrapped by its author's editor, as kubeflow, pip, Black and Starlette are
WRAPPED = ("Early stopping saves computing resources and reduces the time an experiment takes by\n"
           "stopping its trials when the target metric no longer improves, before training is\n"
           "complete.<br>It is configured per experiment.\n\n"
           "- A list item wrapped the same way keeps its words together when it is longer than\n"
           "  one line of the source.\n\n"
           "Short lines broken mid-sentence (in editable mode, using\nthe editable option) go on too.\n")
ON_PURPOSE = ("Owner: Alice\nDue: Friday\n\n| Step | Time |\n|---|---|\n| drain | slow and then a much longer note on what comes next |\n\n"
              "Option | Meaning\n--- | ---\nname | the name of the thing this section sets up for you\nvalue | its value\n")


def test_a_paragraph_wrapped_by_an_editor_reads_as_one_in_every_dialect() -> None:
    """A chat shows every line break, so a hard-wrapped document read ragged ("…an experiment
    takes by" / "stopping its trials…"); a web page joins the lines, and so does a reply now.
    Lines broken on purpose stay: a note's short lines, a `<br>`, a table's rows."""
    wide = terminal_render(Reply(title="T", body=WRAPPED), width=200)
    for shown in (to_mrkdwn(WRAPPED), discord_shown(WRAPPED), plain_text(WRAPPED), wide):
        assert "an experiment takes by stopping its trials when the target metric no longer improves, before" in shown
        assert "complete.\nIt is configured per experiment." in shown
        assert "than one line of the source." in shown
        assert "(in editable mode, using the editable option) go on too." in shown
    for shown in (to_mrkdwn(ON_PURPOSE), discord_shown(ON_PURPOSE), plain_text(ON_PURPOSE), terminal(ON_PURPOSE)):
        assert "Owner: Alice\nDue: Friday" in shown
        assert "| Step | Time |\n|---|---|\n| drain | slow and then" in shown
        assert "sets up for you\nvalue | its value" in shown  # a table without outer pipes keeps its rows too


def test_a_link_labelled_with_its_own_url_shows_the_url_once() -> None:
    """AWS's docs label links with their URL: Slack's `<url|url>` said it twice (in a
    message with a size limit). A label that is not the URL, or an address, stays a label."""
    url = "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateLabelingJob.html"
    text = f"Call [{url}]({url}), see [the guide](https://example.org/guide) or write to [ml@example.org](mailto:ml@example.org)."
    assert to_mrkdwn(text) == (f"Call <{url}>, see <https://example.org/guide|the guide> or write to "
                               "<mailto:ml@example.org|ml@example.org>.")
    assert discord_shown(text).startswith(f"Call <{url}>, see [the guide]")
    assert plain_text(text) == f"Call {url}, see the guide or write to ml@example.org."


SPACED_BOLD = ("Fill in the **Name** and **Default execution role **fields, then choose **Create**.\n\n"
               "Work teams map to\xa0**Amazon Cognito user groups\xa0**within the pool.\n\n"
               "**Q. Will I always get a faster training job? **\n"
               "Not always.\n\n"
               "In Python `2 ** 3` is 8, and 2 ** 3 and 4 ** 5 are powers.\n\n"
               "```\nf(**a, **b)\n```\n")


NOTE_MARKS = ("The team has ==40 GPU hours per week== for experiments. ^budget-rule\n\n"
              "- [ ] ask finance for Q3 numbers\n- [x] move training to spot instances\n\n"
              "Compare with `a == b` and x==y, or `- [ ] box` and 2^10 or r ^2.\n\n"
              "```\n==kept== ^kept-id\n- [ ] kept\n```\n")


def test_obsidian_highlights_task_boxes_and_block_ids_read_as_meant_in_every_dialect() -> None:
    """Notes written in Obsidian mark a highlight `==so==`, a task `- [ ]` / `- [x]`, and name a
    line for links with `^block-id` at its end: replies showed them as written. A highlight
    is bold (a chat has none), a task a box, a block id nothing; code stays as written."""
    slack = to_mrkdwn(NOTE_MARKS)
    assert "The team has *40 GPU hours per week* for experiments.\n" in slack, slack
    assert "• ☐ ask finance for Q3 numbers\n• ☑ move training to spot instances" in slack, slack
    assert "`a == b` and x==y, or `- [ ] box` and 2^10 or r ^2." in slack
    assert "```\n==kept== ^kept-id\n- [ ] kept\n```" in slack
    assert "**40 GPU hours per week**" in discord_shown(NOTE_MARKS)
    shown = plain_text(NOTE_MARKS)
    assert "^budget-rule" not in shown and "☐ ask finance" in shown and "==40" not in shown


def test_dataview_inline_fields_read_as_dataview_shows_them() -> None:
    """Obsidian's Dataview writes a field inside a sentence as `[key:: value]` (shown as the
    key and its value) or `(key:: value)` (its value alone): replies showed the brackets and
    the double colon. A field on a line of its own, a link's text and code stay as written."""
    text = ("The p50 target is [target:: 120 ms] for chat and (batch target:: 300 ms) for batch.\n\n"
            "owner:: Priya\n\nSee [a:: b](https://example.com), `[k:: v]` and std::vector.\n")
    for shown in (plain_text(text), to_mrkdwn(text), discord_shown(text)):
        assert "The p50 target is target: 120 ms for chat and 300 ms for batch." in shown, shown
        assert "owner:: Priya" in shown and "[k:: v]" in shown and "std::vector" in shown, shown


def test_a_code_block_names_its_language_without_the_sites_braces() -> None:
    """R Markdown names a chunk's language in braces with its options (`{r setup, include=FALSE}`),
    Pandoc with a class (`{.python}`), VitePress with lines to highlight (`js{1,3}`): Discord
    was handed "{r" as the language. The chat gets the language alone; the code is as written."""
    for info, language in (("{r setup, include=FALSE}", "r"), ("{.python .numberLines}", "python"),
                           ("js{1,3}", "js"), ("toml tab=\"pyproject.toml\"", "toml")):
        shown = discord_shown(f"Run it:\n\n```{info}\nx <- 1\n```\n")
        assert f"```{language}\nx <- 1\n```" in shown, shown


def test_bold_with_a_space_inside_one_end_is_shown_bold_in_every_dialect() -> None:
    """AWS's docs write `**Default execution role **fields`, which CommonMark does not read
    as bold: replies showed the asterisks. A pair with a space inside one end is bold; a
    pair spaced at both ends (an operator) and code stay as written."""
    slack = to_mrkdwn(SPACED_BOLD)
    assert "the *Name* and *Default execution role* fields, then choose *Create*." in slack
    assert "*Q. Will I always get a faster training job?*" in slack
    assert "*Amazon Cognito user groups*\xa0within" in slack  # AWS spaces with a no-break space too
    assert "**" not in slack.split("In Python")[0]
    assert "f(**a, **b)" in slack
    discord = discord_shown(SPACED_BOLD)
    assert "**Default execution role** fields" in discord
    shown = plain_text(SPACED_BOLD)
    assert "Default execution role fields" in shown and "Q. Will I always get a faster training job?\n" in shown
    assert "and 2 ** 3 and 4 ** 5 are powers" in shown
    assert plain_text("say **hi **there", links=False) == "say **hi **there"  # a user's text is as written


def test_text_quoting_a_user_keeps_html_as_written() -> None:
    assert "<b>hi</b>" in plain_text("say <b>hi</b>", links=False)


def test_a_tilde_fence_cannot_be_closed_early_by_backticks_inside_it() -> None:
    body = "~~~\nstill code\n```\n**still code** [x](https://evil.example)\n~~~\nprose"
    assert "[x]\u200b(https://evil.example)" in to_discord(body)  # no masked link forms in code
    for out in (to_mrkdwn(body), discord_shown(body)):
        assert out.count("```") == 2  # the inner ``` is broken, so Slack and Discord end the block where we do
        assert "**still code**" in out
    assert "<https://evil.example" not in to_mrkdwn(body)


def test_fences_in_lists_and_unclosed_fences_are_code_too() -> None:
    body = "- step\n\n  ~~~\n  *kept*\n  ~~~\n\n~~~\n*open to the end*"
    assert "*kept*" in to_mrkdwn(body) and "*open to the end*" in to_mrkdwn(body)
    assert to_mrkdwn(body).rstrip().endswith("```")  # the unclosed fence is closed for Slack


def test_the_same_markdown_renders_alike_in_every_dialect() -> None:
    body = ("Use `a*b*c` here, see [the guide](https://docs.example.org/guide).\n\n"
            "- first item\n- second item\n\n"
            "```\nx = 2 * 3 * 4\n```\n")
    slack, discord, term = to_mrkdwn(body), to_discord(body), terminal(body)
    for out in (slack, discord, term):
        assert "`a*b*c`" in out  # a code span keeps its asterisks
        assert "```\nx = 2 * 3 * 4\n```" in out
        assert "first item" in out and "second item" in out
    assert "<https://docs.example.org/guide|the guide>" in slack
    assert "[the guide](https://docs.example.org/guide)" in discord
    assert "• first item" in slack and "- first item" in discord and "- first item" in term


# -- the loader's fast parser against markdown-it-py ----------------------------------------

_MD = MarkdownIt("commonmark")


def _prepared(text: str) -> str:
    """A file's body as the loader hands it to the parser, less what `parse` drops first."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    _, body = _split_frontmatter(text, [])
    return fast.without_shortcodes_and_comments(body)


def _fast(body: str) -> tuple[list[tuple[int, str]], list[tuple[int, int]]]:
    heads = [(s.level, s.heading) for s in fast.parse(body).segments if s.level]
    text = "\n" + body
    spans, unclosed = fast.fence_spans(text)
    fences = [(text.count("\n", 0, a) - 1, text.count("\n", 0, b)) for a, b in spans]
    if unclosed:  # the loader closes it at the end of the file
        opened = [m.start() + 1 for m in fast._FENCE_LINE.finditer(text)
                  if not any(a <= m.start() + 1 < b for a, b in spans)][-1]
        fences.append((text.count("\n", 0, opened) - 1, len(body.split("\n"))))
    return heads, sorted(fences)


def _markdown_it(body: str) -> tuple[list[tuple[int, str]], list[tuple[int, int]]]:
    tokens = _MD.parse(body)
    heads = [(int(t.tag[1]), fast._heading(tokens[i + 1].content, {}, [])[0])
             for i, t in enumerate(tokens) if t.type == "heading_open"]
    return heads, sorted((t.map[0], t.map[1]) for t in tokens if t.type == "fence" and t.map)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["seeds", "kubeflow", "sagemaker"])
def test_the_fast_parser_agrees_with_markdown_it(name: str) -> None:
    """Headings (level and text) and fences (their lines) agree everywhere, fences nested
    in list items too (opened after 4+ spaces: AWS's and Kubeflow's steps hold them), which
    the fast parser once left as text, so a passage cut at a blank line inside one showed
    code as prose. Figures (2026-12): seeds 26/26 headings, no fences; kubeflow 981/981
    headings, 486/486 fences (74 nested, in 16 files); sagemaker 6141/6141 headings,
    3894/3894 fences (83 nested, in 33 files)."""
    folder = corpus(name)
    started = time.monotonic()
    headings = fences = shared = 0
    for path in sorted(folder.rglob("*.md")):
        try:
            body = _prepared(path.read_bytes().decode("utf-8-sig"))
        except Exception:  # a file the loader skips (broken frontmatter): not parsed at all
            continue
        fast_heads, fast_fences = _fast(body)
        it_heads, it_fences = _markdown_it(body)
        assert fast_heads == it_heads, path
        assert fast_fences == it_fences, (path, sorted(set(fast_fences) ^ set(it_fences)))
        headings += len(it_heads)
        fences += len(it_fences)
        shared += len(fast_fences)
    assert headings > 0
    print(f"{name}: {headings} headings agree; {shared} of {fences} fences "
          f"({time.monotonic() - started:.1f}s)")


def test_a_cjk_title_is_underlined_to_its_width_in_the_terminal() -> None:
    """A CJK character takes two terminal columns: "模型部署" was underlined with four "="."""
    shown = terminal_render(Reply(title="模型部署", body="使用 GPU 集群部署模型。\n\n## 安全\n\n加密。"), width=40)
    lines = shown.splitlines()
    assert lines[:2] == ["模型部署", "=" * 8] and "安全\n----" in shown, shown
