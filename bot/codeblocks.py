"""Blocks of code that a site generator marks with its own tags instead of a fence, as fences.

Jekyll writes `{% highlight ruby %}` … `{% endhighlight %}`, Hugo `{{< highlight go
"linenos=table" >}}` … `{{< /highlight >}}`, and a Hugo shortcode that names the language of
what it holds holds code too: Kubernetes' `{{< tab name="JSON file" codelang="json" >}}`,
Docsy's `lang="python"`. Read as Markdown, that code was prose: a reply joined its lines
into one (a chat reflows a hard-wrapped paragraph), lost its indentation, and weighed its
words as prose. Each becomes a fenced block in the language named, a tab's label bold above
it. What is already code (a page showing the syntax inside a fence) stays as written, and
so does an opening tag that is never closed.
"""

from __future__ import annotations

import bisect
import re

from .markdown import FIRST_ARGUMENT, SHORTCODE_TAG, code_line, shortcode_param, title_lines

# {% highlight ruby linenos %} … {% endhighlight %}
_JEKYLL = re.compile(r"( *)\{%-?[ \t]*highlight[ \t]+([\w+#.-]+)[^%\n]*?-?%\}[ \t]*")
# {{< highlight go "linenos=table" >}}, {{< tab name="JSON" codelang="json" >}} (the language checked below)
_HUGO = re.compile(rf"( *){SHORTCODE_TAG.pattern}[ \t]*")
# a line closing either: {% endhighlight %}, {{< /highlight >}} (the name, "/highlight", is its key below)
_CLOSING = re.compile(r" *(?:\{%-?[ \t]*(endhighlight)[ \t]*-?%\}|\{\{[<%][ \t]*(/[A-Za-z][\w-]*)[ \t]*[%>]\}\})[ \t]*")
_BACKTICKS = re.compile(r"`{3,}")


def site_code_as_fences(body: str) -> str:
    """`body` with each block of code marked by site tags (above) as a fenced code block."""
    if not ("highlight" in body or "lang=" in body):
        return body
    lines = body.split("\n")
    out: list[str] = []
    fence: str | None = None
    closing: dict[str, list[int]] | None = None  # per closing tag: the lines it is on (read at the first opener)
    at = 0
    while at < len(lines):
        line = lines[at]
        code, fence = code_line(line, fence)
        opener = None if code or "{" not in line else _opener(line)
        if opener is not None:
            if closing is None:
                closing = _closing_lines(lines)
            ends = closing.get(opener[0], [])
            end = ends[i] if (i := bisect.bisect_right(ends, at)) < len(ends) else None
        if opener is None or end is None:
            out.append(line)
            at += 1
            continue
        _, indent, language, label = opener
        content = lines[at + 1:end]
        marker = "`" * max([3] + [len(run) + 1 for text in content for run in _BACKTICKS.findall(text)])
        if label:
            out.extend(title_lines(label, indent))
        out.extend([f"{indent}{marker}{language}", *content, f"{indent}{marker}"])
        at = end + 1
    return "\n".join(out)


def _opener(line: str) -> tuple[str, str, str, str] | None:
    """If `line` opens a block of code: its closing tag's key, its indent, the language and
    a tab's label."""
    if m := _JEKYLL.fullmatch(line):
        return "endhighlight", m.group(1), m.group(2), ""
    if (m := _HUGO.fullmatch(line)) is not None and (language := _hugo_language(m.group(3), m.group(4))) is not None:
        name, params = m.group(3), m.group(4)
        label = "" if name == "highlight" else next(filter(None, (shortcode_param(params, key)
                                                                  for key in ("name", "header", "title"))), "")
        return "/" + name, m.group(1), language, label
    return None


def _closing_lines(lines: list[str]) -> dict[str, list[int]]:
    """Per closing tag (`endhighlight`, `/tab`), the lines that are that tag alone, in order:
    found in one pass, so a page of openers never closed costs no more than one of pairs."""
    out: dict[str, list[int]] = {}
    for n, line in enumerate(lines):
        if "{" in line and (m := _CLOSING.fullmatch(line)):
            out.setdefault(m.group(1) or m.group(2), []).append(n)
    return out


def _hugo_language(name: str, params: str) -> str | None:
    """The language a Hugo shortcode's content is in: `highlight`'s first argument, or a
    `codelang=` / `lang=` parameter ("" when highlight names none); None: not code."""
    if name == "highlight":
        first = FIRST_ARGUMENT.match(params)
        return "" if first is None else next(g for g in first.groups() if g is not None)
    return shortcode_param(params, "codelang") or shortcode_param(params, "lang") if "lang=" in params else None
