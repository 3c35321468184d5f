"""Documentation-site syntax that is not Markdown, reduced to the Markdown it stands for.

Team docs and open-source documentation are often written for a site generator, and its
syntax reads as noise (or worse) to a plain Markdown reader:

- admonitions: Docusaurus/VuePress `:::tip Title` … `:::` and Pandoc `::: {.note}` fences,
  and MkDocs `!!! note "Title"` (or collapsible `???`) and content tabs (`=== "pip"`) whose
  body is indented four spaces — read as Markdown, that body is an indented *code block*,
  so the advice inside it was shown as code and its words were weighed as code;
- generic blocks (PyMdown Extensions' Blocks, used by MkDocs Material): `/// tab | Title`,
  `/// details | Summary`, `/// html | div.result` … `///` (more slashes when nested);
- Obsidian callouts and GitHub alerts (`> [!NOTE]`, `> [!tip]- Title` and the lines they
  quote): their content, a title as a bold line;
- kramdown attribute lists alone on a line (Jekyll: `{: .note }`, `{:toc}`), which style the
  block before them;
- what a MkDocs site builds from other files: markdown-include lines (`{!> ../docs_src/app.py!}`,
  FastAPI's and SQLModel's docs; mdBook's `{{#include src/main.rs}}` too), a code block or
  content tab holding nothing else, and mkdocstrings' `::: package.Name` (named, as code;
  its YAML options go); a table of contents the site builds (`[[toc]]`, `[[_TOC_]]`, `[TOC]`);
- MkDocs Material icons (`:octicons-file-code-24:`, `:material-github:`), drawn by the site,
  and the language InlineHilite names a code span in (`` `#!python print(x)` ``);
- attribute lists after a link or image (`[CORS](cors.md){.internal-link target=_blank}`,
  `{: .md-button }`), which style it;
- template tags: Jinja/Liquid/GitBook `{% hint style="info" %}` … `{% endhint %}`,
  `{% include "x.md" %}` (a Jekyll note, `{% include note.html content="…" %}`, is its text);
- definition lists (PHP Markdown Extra, Pandoc, Python-Markdown's def_list, MyST, Hugo):
  a term's line, then its definition on a line opening with ": ", read as one line
  `**Term**: definition` (a plain reader showed the colon opening a line of its own);
- MDX (`.mdx` files, and `.md` files that import a component, as Docusaurus reads them):
  `import … from …` and `export …` lines, and lines that are only a JSX component tag
  (`<Tabs>`, `<TabItem value="py">`, `</Tabs>`).

Each is reduced to its content: a fence line goes, a custom title stays as a bold line,
an indented body is dedented, a tag goes. Fenced code blocks are left exactly as written.
Hugo shortcodes and HTML comments are handled in bot/markdown.py, MyST's directives and
roles (Sphinx) in bot/myst.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .codeblocks import site_code_as_fences
from .markdown import ICON, ICON_START, code_line, cut, fence_spans, holds, inside_spans, outside_code_spans, title_lines
from .myst import BLOCK_START, ROLE, has_myst, reduce_myst

# :::note / :::tip Title / :::tip[Title] / ::: {.warning} / ::::   (an opening or a closing line)
_COLON_FENCE = re.compile(r" {0,3}:{3,}[ \t]*(?:\{[^}\n]*\}|[A-Za-z][\w-]*)?(?:\[([^\]\n]*)\]|[ \t]+([^\n]*?))?[ \t]*")
# !!! note "Title" / ??? warning / ???+ tip "Title" / !!! note inline end / !!! Note (a type in any case)
# / !!! note annotate "Title" (more classes after the type) / ??? "Title" (a collapsible needs no type)
_MKDOCS = re.compile(r'( *)(?:(?:!!!|\?\?\?\+?)[ \t]+[A-Za-z][\w-]*(?:[ \t]+[A-Za-z][\w-]*)*(?:[ \t]+"([^"\n]*)")?'
                     r'|\?\?\?\+?[ \t]+"([^"\n]*)"|===\+?[ \t]+"([^"\n]*)")[ \t]*')  # ...and a content tab: === "pip"
# /// tab | Title, //// html | div.result, /// caption, and the closing /// (or ////)
_SLASH_BLOCK = re.compile(r" {0,3}/{3,}(?:[ \t]+([a-z][\w-]*)(?:[ \t]*\|[ \t]*([^\n]*?))?)?[ \t]*")
# (the lookahead on a line's first character keeps this one pass over a page as quick as it was
# with fewer kinds of line: a line of prose is ruled out by its first letter)
_WALK_HINT = re.compile(rf"\n[ \t]*(?=[:!?=/>{{\[<*`~(-])(?::::|:[ \t\n]|!!!|\?\?\?\+?|=== \"|///|>[ \t]?\[!|\{{:"
                        rf"|\[\[?_?(?:toc|TOC)|-+8<-|<<<[ \t]|<img\b|\*\[|{BLOCK_START})")
# > [!NOTE] / > [!warning]- Title: an Obsidian callout or a GitHub alert, and a line quoted in it
_CALLOUT = re.compile(r" {0,3}>[ \t]?\[![A-Za-z][\w-]*\][+-]?[ \t]*([^\n]*?)[ \t]*")
_QUOTED = re.compile(r" {0,3}>[ \t]?")
# ": its definition" (or ":" alone, the definition indented under it) below a term's line
_DEFINITION = re.compile(r" {0,3}:(?=[ \t]|\Z)")
# a line that is no term: a list item, a quote, a table row, a heading, HTML, or indented code
_NOT_A_TERM = re.compile(r"(?: {4}|\t| {0,3}(?:[-*+][ \t]|[>|#<:]|\d+[.)][ \t]))")
# {: .note } / {:toc} alone on a line: a kramdown attribute list (Jekyll), styling the block
# before it; "{:toc}" replaces the list item before it ("* TOC") with a table of contents
_IAL_LINE = re.compile(r" {0,3}\{:[^}\n]*\}[ \t]*")
_TOC_ITEM = re.compile(r"[ \t]*(?:[-*+]|\d+\.)[ \t]+(?:toc|table of contents)[ \t]*", re.IGNORECASE)
# {!file.py!} / {!> ../../docs_src/app.py!} alone on a line: a markdown-include (mdx_include)
# directive, filled in by the site from a file outside the docs (FastAPI, SQLModel, Typer); and
# mdBook's {{#include src/main.rs:2:5}} / {{#rustdoc_include …}} / {{#playground …}} (the Rust books);
# PyMdown's snippets, --8<-- "abbreviations.md" (MkDocs Material sites), and the markers of the
# part of a file such a line takes, --8<-- [start:install]; VitePress's code import, <<< @/app.js{2}
_INCLUDE_LINE = re.compile(r"[ \t]*(?:\{!>?[^\n]*?!\}|\{\{#(?:include|rustdoc_include|playground|title)\b[^\n]*?\}\}"
                           r"""|-+8<-+[ \t]+(?:(["'])[^\n]*?\1|\[(?:start|end):[\w-]+\])|<<<[ \t]+\S+)[ \t]*""")
_SNIPPETS_BLOCK = re.compile(r"[ \t]*-+8<-+[ \t]*")  # opens and closes a block of snippet file names
_SNIPPET_NAME = re.compile(r"[ \t]*(?:;[^\n]*|\S+)?[ \t]*")  # a line of one: a file name, a "; comment" or blank
# *[HTML]: Hyper Text Markup Language: an abbreviation (Python-Markdown's abbr), a tooltip on the site
_ABBREVIATION_LINE = re.compile(r" {0,3}\*\[[^\]\n]+\]:[^\n]*")
# a table of contents the site builds where it stands: [[toc]] (VitePress), [[_TOC_]] (GitLab), [TOC]
_TOC_LINE = re.compile(r"[ \t]*(?:\[\[_?toc_?\]\]|\[toc\])[ \t]*", re.IGNORECASE)
# ::: package.module.Name: mkdocstrings' page for a Python object, its YAML options indented under it
# (a dotted name: "::: warning" is a Pandoc fence)
_MKDOCSTRINGS = re.compile(r" {0,3}:::[ \t]+([A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)+)[ \t]*")
# [text](url){.internal-link target=_blank} / ![img](a.png){ width="300" } / {: .md-button }: an
# attribute list (Python-Markdown attr_list, kramdown) styling the link or image before it
_ATTRIBUTE = r"""(?:[.#][\w-]+|[\w-]+=(?:"[^"\n]*"|'[^'\n]*'|[^\s"'{}]+))"""
_INLINE_ATTRIBUTES = re.compile(rf"(?<=[)\]])\{{:?[ \t]*{_ATTRIBUTE}(?:[ \t]+{_ATTRIBUTE})*[ \t]*\}}")
# ...and a code span's: `DSTACK_RUN_NAME`{ #DSTACK_RUN_NAME } (the span stays as written); "`{"
# alone is in every page of JSON in code spans (`{"Key": …}`)
_CODE_ATTRIBUTES_HINT = re.compile(r"`\{:?[ \t]*(?:[.#]|[\w-]+=)")
_CODE_ATTRIBUTES = re.compile(rf"(?<!`)(`+)(?!`)([^\n]+?)(?<!`)\1(?!`)\{{:?[ \t]*{_ATTRIBUTE}(?:[ \t]+{_ATTRIBUTE})*[ \t]*\}}")
# `#!python print("x")`: PyMdown's InlineHilite names a code span's language this way (MkDocs
# Material sites, Hatch); the site shows only the code
_INLINE_LANGUAGE = re.compile(r"(?<!`)(`+)#![A-Za-z0-9_+-]+[ \t]+")
_ICON_HINT = re.compile(ICON_START)  # (found faster than ICON, which may start with spaces)
# a link whose text is only icons (PyMdown's "[:octicons-file-code-24:][_arithmatex]" to a
# page's source): nothing to show once they go, and its reference is often in a file the site includes
_ICON_LINK = re.compile(rf"\[(?:{ICON.pattern})+\s*\](?:\([^()\n]*\)|\[[^\]\n]*\])")
_TEMPLATE_TAG = (re.compile(r"(?<!\{)\{%"), re.compile(r"%\}(?!\})"))  # {% … %}, not a Hugo {{% shortcode %}}
# a page the site runs through a template engine (mkdocs-macros, Jekyll): a `{% for %}` loop's
# lines repeat once per item of data the site has (FastAPI's people page: "@{{ user.login }}
# Answers: {{ user.answers }}"), and an expression `{{ user.login }}` shows a value it has
_LOOP_OPEN = re.compile(r"[ \t]*\{%-?\s*for\b")
_LOOP_CLOSE = re.compile(r"[ \t]*\{%-?\s*endfor\b")
_EXPRESSION = re.compile(r"(?<!\{)\{\{(?![<%#{])[^{}\n]*\}\}(?!\})")  # not a Hugo {{< shortcode >}}
# Liquid's {% raw %} and {% endraw %}: what they wrap is shown as written
_RAW_TAG = re.compile(r"\{%-?[ \t]*(end)?raw[ \t]*-?%\}")
# a line of nothing but image tags (FastAPI's screenshots: `<img src="/img/tutorial/….png">`)
_IMAGE_LINE = re.compile(r"[ \t]*(?:<img\b[^<>\n]*>[ \t]*)+", re.IGNORECASE)
# a line that only labels what follows: "**Example:**", "Example:", "_Result_:"
_LABEL_LINE = re.compile(r"(?:[-*+][ \t]+)?(?:(?:\*\*|__|\*|_)[^*_\n]{1,30}(?:\*\*|__|\*|_)?:(?:\*\*|__|\*|_)?|\w+:)")
# {% include note.html content="Back up the model first." %} (Jekyll documentation themes): a note,
# a tip or a warning whose text is the parameter
_INCLUDED_TEXT = re.compile(r"""(?<!\{)\{%-?\s*include\s+\S+[^%]*?\bcontent=(?:"([^"\n]*)"|'([^'\n]*)')[^%]*?-?%\}(?!\})""")
# a block tag on a line of its own that titles what it holds: GitBook's {% tab title="Python" %},
# {% code title="train.py" %}
_TITLED_TAG = re.compile(r"""[ \t]*\{%-?\s*[a-z][\w-]*\s[^%\n]*?\btitle=(?:"([^"\n]*)"|'([^'\n]*)')[^%\n]*?-?%\}[ \t]*""")
_MDX_STATEMENT = re.compile(r"(?:import\s.*\sfrom\s+['\"]|import\s+['\"]|export\s+(?:default\b|const\s|function\s|let\s))")
_JSX_TAG_LINE = re.compile(r"\s*</?[A-Z][\w.]*(?:\s[^<>]*)?/?>\s*")
_JSX_TAG = re.compile(r"<(/?)[A-Z][\w.]*(\s[^<>]*)?/?>")  # a component's tag inside a line of text
# what a component shows above its content: Mintlify's <Step title="…">, <Accordion title="…">
# (a FAQ's question), <Card title="…">, Docusaurus' <TabItem label="…">; an API field's name
# (Mintlify's <ParamField path="model_id">, <ResponseField name="id">), as code
_ATTRIBUTE_VALUE = r"""=(?:"([^"\n]*)"|'([^'\n]*)'|\{["'`]([^"'`\n]*)["'`]\})"""
_JSX_TITLE = re.compile(rf"\s(?:title|label){_ATTRIBUTE_VALUE}")
_JSX_FIELD = re.compile(rf"<[A-Z]\w*Field\s(?:[^<>]*\s)?(?:name|path|query|body|header){_ATTRIBUTE_VALUE}")


_BRACE_HINT = re.compile(r"\{(?:[%!]|\{#)")  # {% template tag, {! and {{# includes: one search for all three


def _needs_walk(body: str, mdx: bool) -> bool:
    """Whether `body` may hold the line-by-line syntax: admonitions, tabs, template tags, MDX,
    MyST. (One search for the line starts: ":::" alone is in every ARN, "arn:aws:s3:::bucket".)"""
    return (mdx or _BRACE_HINT.search(body) is not None or holds(body, "){") or holds(body, "]{") or holds(body, "`#!")
            or _CODE_ATTRIBUTES_HINT.search(body) is not None
            or _WALK_HINT.search("\n" + body) is not None or ROLE.search(body) is not None
            or _ICON_HINT.search(body) is not None)


def _block_title(m: re.Match[str]) -> str:
    """The title a block's opening line gives, if any: `:::tip Title`, `/// tab | Title`
    (an `html` block names an element, `div.result`, and a title needs a letter, not "1")."""
    if m.re is _SLASH_BLOCK:
        title = "" if m.group(1) == "html" else (m.group(2) or "").strip()
        return title if any(c.isalpha() for c in title) else ""
    return (m.group(1) or m.group(2) or "").strip()


def reduce_site_syntax(body: str, mdx: bool = False) -> str:
    """`body` with the site syntax above (and MyST's) reduced to plain Markdown. A `.md` file
    is read as MDX too when its prose imports a component or holds one's block (`_reads_as_mdx`)."""
    mdx = mdx or _reads_as_mdx(body)
    body = site_code_as_fences(body)  # bot/codeblocks.py: Jekyll's and Hugo's highlight blocks
    body = _links_out_of_code(body)
    if not _needs_walk(body, mdx):
        return body
    return _walk(reduce_myst(body) if has_myst(body) else body, mdx)


# a link written inside a code span, `[BatchStrategy](https://…)`: AWS's docs, converted from
# HTML, name API fields so (150 times in SageMaker's). A reader sees the brackets and the
# address as code; what was meant is a link whose text is code. Only a name as its text (no
# spaces) and a web address: a guide to Markdown that shows `[a link](url)` keeps it
_CODED_LINK = re.compile(r"`\[([A-Za-z_][\w.:-]*)\]\((https?://[^\s()`]+)\)`")


def _links_out_of_code(body: str) -> str:
    """`body` with each link written inside a code span (outside fenced code) as a link whose
    text is code: `[Name](url)` becomes [`Name`](url)."""
    if not holds(body, "`["):
        return body
    spans = fence_spans(body)[0]

    def relink(m: re.Match[str]) -> str:
        return m.group(0) if inside_spans(spans, m.start()) else f"[`{m.group(1)}`]({m.group(2)})"

    return _CODED_LINK.sub(relink, body)


# (written to start with a newline, a literal the regex engine searches for fast)
_IMPORT_LINE = re.compile(r"\nimport\s+[\w{][^\n]*\sfrom\s+['\"][^'\"\n]+['\"];?[ \t]*(?=\n|$)")


# a line that is only a component's opening tag, `<TabItem label="curl" value="curl">` (a name
# in PascalCase: `<MODEL>` is a placeholder), and one closing it
_COMPONENT_OPEN = re.compile(r"\n[ \t]*<([A-Z][a-z][\w.]*)(?:\s[^<>\n]*)?>[ \t]*(?=\n|$)")
_COMPONENT_CLOSE = re.compile(r"\n[ \t]*</([A-Z][a-z][\w.]*)>[ \t]*(?=\n|$)")


def _reads_as_mdx(body: str) -> bool:
    """Whether `body`'s prose (outside code) imports a component (`import Tabs from
    '@theme/Tabs';`: Docusaurus reads `.md` as MDX) or holds a component's block, an opening
    tag's line and its closing tag's line: a site that registers its components for every
    page imports none, and a README copied from such docs shows `<Tabs>` (GitHub hides
    the tag lines as HTML; a reply showed them)."""
    text = "\n" + body
    found = [m.start() + 1 for m in _IMPORT_LINE.finditer(text)]
    if holds(text, "</"):
        closed = set(_COMPONENT_CLOSE.findall(text))
        found += [m.start() + 1 for m in _COMPONENT_OPEN.finditer(text) if m.group(1) in closed]
    spans = fence_spans(text)[0] if found else []
    return any(not inside_spans(spans, at) for at in found)


def _walk(body: str, mdx: bool) -> str:
    """The line-by-line syntax (admonitions, tabs, template tags, MDX lines), fences kept."""
    out: list[str] = []
    fence: str | None = None  # the marker of the code fence we are in, if any (as bot/markdown.py reads fences)
    levels: list[int] = []  # inside MkDocs admonitions or tabs (nested too): the indent their bodies' lines carry
    callouts = 0  # how many Obsidian callouts (GitHub alerts) we are in: their lines are quoted that deep
    includes = (holds(body, "{!") or holds(body, "{{#") or holds(body, "8<-")
                or holds(body, "<<<"))  # include lines may be here: code blocks are held until closed
    snippets = False  # in a block of PyMdown snippet file names (--8<-- … --8<--)
    block: list[str] = []  # the open code fence's lines, while held
    titled = -1  # where the open admonition's or tab's title is in `out` (-1: none, or shown)
    options = False  # in the options block of a mkdocstrings `::: identifier` line
    defining = False  # in a definition (a definition list's), up to the next blank line
    templated = holds(body, "{%")  # Jinja or Liquid: its expressions go, as do its loops' lines
    loops = 0  # how deep in template `{% for %}` loops
    raws = templated and holds(body, "endraw")  # Liquid's `{% raw %}` … `{% endraw %}` may be here (never closed: text)
    raw = False  # inside one: what it wraps is shown as written
    lines = body.split("\n")
    for at, line in enumerate(lines):
        defining = defining and bool(line.strip())
        if callouts:  # back to what their lines quote, code fences in them too; fewer quotes, fewer callouts
            depth = 0
            while depth < callouts and (quote := _QUOTED.match(line)):
                line, depth = line[quote.end():], depth + 1
            callouts = depth
        if fence is None and ">" in line and (m := _CALLOUT.fullmatch(line)):
            callouts, title = callouts + 1, m.group(1).lstrip("#").strip()  # "> [!note] ### Title" too
            out.extend(title_lines(title))
            continue
        if levels:  # an admonition's body (code fences in it too), back to its opener's indent
            if not line.strip():
                out.append("")
                continue
            spaces = len(line) - len(line.lstrip(" "))
            while fence is None and levels and spaces < levels[-1]:  # it ends (an outer one may go on)
                levels.pop()
                titled = _untitled(out, titled)
            if levels and spaces >= levels[-1]:
                line = line[levels[-1]:]
        if options:  # its YAML, indented under it, configures the generated page
            if not line.strip() or line.startswith((" " * 4, "\t")):
                continue
            options = False
        opened = fence
        code, fence = code_line(line, fence)
        if code and raws and (raw or "raw" in line) and _RAW_TAG.search(line):  # Liquid reads code too
            line, raw = _raw_pieces(line, raw, lambda text: text)
            if not line.strip():
                continue
        if code:  # copied as written (a block of markdown-include lines goes: the site fills it in)
            if not includes or (opened is None and fence is None):
                out.append(line)
            elif fence is not None:
                block.append(line)
            else:  # its closing line
                block.append(line)
                if all(not inner.strip() or _INCLUDE_LINE.fullmatch(inner) for inner in block[1:-1]):
                    _introduced_nothing(out)
                    out.append("")
                else:
                    out.extend(block)
                    titled = -1
                block.clear()
            continue
        if includes and _INCLUDE_LINE.fullmatch(line):
            _introduced_nothing(out)
            continue
        if "[" in line and _TOC_LINE.fullmatch(line):
            continue
        if "<img" in line and _IMAGE_LINE.fullmatch(line):  # a screenshot: a chat shows none
            _introduced_nothing(out)
            out.append(line)
            continue
        if includes and (snippets or "8<-" in line) and _SNIPPETS_BLOCK.fullmatch(line):
            snippets = not snippets and _snippet_block(lines, at)
            continue
        if snippets or "*[" in line and _ABBREVIATION_LINE.fullmatch(line):
            continue
        m = _MKDOCS.fullmatch(line)
        if m:
            indent = m.group(1)
            title = _without_icons(m.group(2) or m.group(3) or m.group(4) or "").strip()  # === ":octicons-…: pyproject.toml"
            _untitled(out, titled)
            levels.append((levels[-1] if levels else 0) + len(indent) + 4)  # a tip in a tab: its body is indented twice
            titled = len(out) if title and includes else -1
            out.extend(title_lines(title, indent))
            continue
        m = _MKDOCSTRINGS.fullmatch(line)
        if m:  # the page generated for `identifier`: named here, its options go
            out.extend([f"`{m.group(1)}`", ""])
            options = True
            continue
        m = _COLON_FENCE.fullmatch(line) or _SLASH_BLOCK.fullmatch(line)
        if m:
            title = _block_title(m)
            out.extend(title_lines(title))
            continue
        if line.lstrip(" ").startswith(":") and (m := _DEFINITION.match(line)):
            definition = line[m.end():].strip()
            if defining:  # the term's next definition: a line of its own
                out.append(definition)
                continue
            if (at := _term(out)) >= 0:
                del out[at + 1:]  # (a blank line between a term and its definition)
                term = out[at].strip()
                out[at] = (term if term.startswith(("**", "__")) else f"**{term}**") + ":" + (f" {definition}" if definition else "")
                defining = True
                continue
        if "{:" in line and _IAL_LINE.fullmatch(line):
            if "toc" in line and out and _TOC_ITEM.fullmatch(out[-1]):
                out.pop()
            out.append("")
            continue
        if raws and (raw or "raw" in line and _RAW_TAG.search(line)):
            line, raw = _raw_pieces(line, raw, _without_template)
            if not line.strip():
                out.append("")
                continue
        elif templated and fence is None and (loops or "{%" in line and _LOOP_OPEN.match(line)):
            loops += 1 if _LOOP_OPEN.match(line) else -1 if _LOOP_CLOSE.match(line) else 0
            out.append("")
            continue
        elif "title=" in line and "{%" in line and (m := _TITLED_TAG.fullmatch(line)):
            out.extend(title_lines(m.group(1) or m.group(2) or ""))
            continue
        elif (templated and "{{" in line) or "{%" in line:
            line = _without_template(line)
            if not line.strip():
                out.append("")
                continue
        if mdx and _MDX_STATEMENT.match(line):
            out.append("")
            continue
        if mdx and "<" in line:
            if _JSX_TAG_LINE.fullmatch(line):  # a line of one tag: its title stays, its content is not code
                out.extend(title_lines(_jsx_title(line)))
                if not callouts and (indent := _jsx_content_indent(lines, at)):
                    levels.append(indent)
                continue
            line = outside_code_spans(line, _without_jsx_tags)
        if "`{" in line and _CODE_ATTRIBUTES_HINT.search(line):
            line = _CODE_ATTRIBUTES.sub(r"\1\2\1", line)
        if "){" in line or "]{" in line:
            line = outside_code_spans(line, _without_inline_attributes)
        if ":" in line and _ICON_HINT.search(line):
            line = outside_code_spans(line, _without_icons)
        if "`#!" in line:
            line = _INLINE_LANGUAGE.sub(r"\1", line)
        if line.strip():
            titled = -1
        out.append(line)
    out.extend(block)  # a fence never closed: kept as written
    _untitled(out, titled)
    return "\n".join(out)


def _without_template(line: str) -> str:
    """A line of a templated page (Jinja, Liquid, GitBook) as the site shows it: its tags and
    expressions (`{{ site.title }}`, the site's data) go, a Jekyll note is its text."""
    if "{{" in line:
        line = outside_code_spans(line, lambda text: _EXPRESSION.sub("", text))
    if "{%" in line:
        if "content=" in line:  # Jekyll's {% include note.html content="…" %}: the note is its text
            line = _INCLUDED_TEXT.sub(lambda m: m.group(1) or m.group(2), line)
        line = cut(line, *_TEMPLATE_TAG)
    return line


def _raw_pieces(line: str, raw: bool, change: Callable[[str], str]) -> tuple[str, bool]:
    """`line` without Liquid's `{% raw %}` and `{% endraw %}` tags, what they wrap as written
    (`{% raw %}${{ secrets.TOKEN }}{% endraw %}`: a GitHub Actions expression, not the site's)
    and the rest `change`d, and whether a raw block is open after it (`raw`: before it)."""
    out: list[str] = []
    last = 0
    for m in _RAW_TAG.finditer(line):
        if raw and m.group(1) is None:  # "{% raw %}" inside a raw block is text
            continue
        piece = line[last:m.start()]
        out.append(piece if raw else change(piece))
        raw, last = m.group(1) is None, m.end()
    out.append(line[last:] if raw else change(line[last:]))
    return "".join(out), raw


def _snippet_block(lines: list[str], at: int) -> bool:
    """Does the `--8<--` line at `at` open a block of snippet file names: lines of one name
    each (or blank, or a comment) up to a closing `--8<--`? A marker followed by anything
    else (prose, a code fence) opens none: what follows it is the page's own text."""
    for line in lines[at + 1:at + 200]:
        if _SNIPPETS_BLOCK.fullmatch(line):
            return True
        if not _SNIPPET_NAME.fullmatch(line) or line.lstrip().startswith(("```", "~~~")):
            return False
    return False


def _jsx_title(tag: str) -> str:
    """The `title` or `label` an opening component tag gives, or the field an API field names
    ("" for a closing tag or none)."""
    if tag.lstrip().startswith("</"):
        return ""
    if m := _JSX_TITLE.search(tag):
        return next(g for g in m.groups() if g is not None).strip()
    m = _JSX_FIELD.search(tag)
    return "" if m is None else f"`{next(g for g in m.groups() if g is not None).strip()}`"


def _jsx_content_indent(lines: list[str], at: int) -> int:
    """How far the content of the component opened on `lines[at]` is indented, when more than
    its tag: MDX has no indented code, so `<Step>`'s indented text is text (0: not indented,
    or the tag closes itself)."""
    tag = lines[at]
    if tag.rstrip().endswith("/>") or tag.lstrip().startswith("</"):
        return 0
    following = next((lines[i] for i in range(at + 1, len(lines)) if lines[i].strip()), "")
    indent = len(following) - len(following.lstrip(" "))
    return indent if indent > len(tag) - len(tag.lstrip(" ")) else 0


def _without_jsx_tags(text: str) -> str:
    """`text` without its component tags, an opening tag's title kept in bold:
    `<Note>Keys expire.</Note>` is "Keys expire."."""
    return _JSX_TAG.sub(lambda m: f"**{title}** " if not m.group(1) and (title := _jsx_title(m.group())) else "",
                        text)


def _term(out: list[str]) -> int:
    """Where in `out` the term a definition line defines is (its last line with words, one
    blank line between them at most), or -1: it is no term (a list item, a quote, a
    heading, a sentence introducing what follows)."""
    at = len(out) - 1
    if at >= 0 and not out[at].strip():
        at -= 1
    if at < 0 or not out[at].strip() or _NOT_A_TERM.match(out[at]) or out[at].rstrip().endswith(":"):
        return -1
    return at


def _introduced_nothing(out: list[str]) -> None:
    """The last line of prose in `out`, when it introduced what a chat cannot show, an example
    the site includes from a file the documents lack (FastAPI's "You can return a
    `RedirectResponse` directly:" over `{!../docs_src/custom_response/tutorial006.py!}`) or a
    screenshot, made to end there: its colon a full stop, or, a label on its own
    ("**Example:**"), gone. Else the reply showed the colon with nothing under it, mid-answer
    (at the end of a reply such a line went, and its words with it)."""
    at = len(out)
    while (at := next((i for i in range(at - 1, -1, -1) if out[i].strip()), -1)) >= 0:
        line = out[at].rstrip()
        words = line.rstrip("*_")  # (a colon inside emphasis closing the line counts: "**Example:**")
        if not words.endswith(":") or words.endswith("::") or code_line(line, None)[0]:
            return
        if not _LABEL_LINE.fullmatch(line.strip()):
            out[at] = words[:-1] + "." + line[len(words):]
            return
        out[at] = ""  # (and what the label sat under may introduce it too)


def _untitled(out: list[str], titled: int) -> int:
    """Drop the title at `titled` in `out` (an admonition or tab left with nothing under it:
    its code was all markdown-include lines); -1, for "no title open"."""
    if titled >= 0:
        out[titled] = ""
    return -1


def _without_inline_attributes(text: str) -> str:
    return _INLINE_ATTRIBUTES.sub("", text)


def _without_icons(text: str) -> str:
    return ICON.sub("", _ICON_LINK.sub("", text) if "[" in text else text)
