"""MyST (the Markdown Sphinx reads) reduced to the Markdown it stands for.

Python projects document themselves with Sphinx, and more and more of them write MyST:
Jupyter Book, the PyData themes, many teams' own docs. Its additions read badly to a plain
Markdown reader:

- directives are written as code fences (`` ```{note} ``, ``` ````{admonition} Title ```)
  or colon fences (`:::{tip}`), often with option lines (`:class: tip`, or a `---` block).
  Read as Markdown, a note is a *code block*: the advice inside it was shown as code and its
  words weighed as code. A directive whose content is prose is reduced to that content (its
  title, if it has one, as a bold line); a code directive (`` ```{code-block} python ``)
  to a plain code fence, and so is an executable cell (`` ```{python} ``, Quarto's and
  R Markdown's, without its `#| echo: false` option lines); a table of contents, an include
  or an image (`{toctree}`) is dropped: it names files, it does not say anything;
- cross-reference targets, a line `(install-guide)=` before a heading: dropped;
- roles, `` {ref}`the setup page <setup>` ``, `` {py:func}`~pkg.mod.run` ``: read as Sphinx
  shows them, a link's text, an API name as code (its last part when written with "~"), a
  PEP or an RFC by its name (`` {pep}`518` `` is "PEP 518");
- a link with no text, `[](./branding.rst)`, which Sphinx names after its target: named so
  ("branding"), where Markdown would show nothing ("See .").

Fenced code blocks are copied as written: a MyST example inside one stays an example.
"""

from __future__ import annotations

import re
from functools import partial

from .markdown import CodeSpanReader, code_line, fence_marker, name_in_words, title_lines

# ```{note} / ````{admonition} Title / :::{tip} / ```{code-block} python
_OPENING = re.compile(r" {0,3}(`{3,}|~{3,}|:{3,})[ \t]*\{([A-Za-z][\w:-]*)\}[ \t]*([^\n]*?)[ \t]*")
_OPTION = re.compile(r" {0,3}:[\w-]+:(?:[ \t][^\n]*)?")  # :class: tip, :linenos:
_TARGET = re.compile(r" {0,3}\([\w.:/-]+\)=[ \t]*")  # (install-guide)=, (labels/strings)= (Black's)
# {ref}`text <target>` (not after a letter and not in a code span: checked when replaced, as a
# lookbehind here would cost every document a slow search; "`{user}`" is a placeholder in code)
ROLE = re.compile(r"\{([a-z][a-z0-9:+-]*)\}`([^`\n]+)`")
# a role whose content a hard-wrapped line breaks ("{ref}`direct" / "URL references <…>`"):
# pip's docs break 25 of their 144 role lines so; the line after it joins it
_ROLE_OPEN = re.compile(r"\{[a-z][a-z0-9:+-]*\}`[^`\n]*\Z")
_ROLE_TARGET = re.compile(r"(.*?)\s*<[^<>]*>")
_EMPTY_LINK = re.compile(r"\[\]\(<?([^()\s<>]+)>?\)")  # [](target): Sphinx shows the target's title
# how a line that opens a directive fenced in backticks or tildes, or a target, starts (for
# bot/sitesyntax.py's one search of every document: colon fences it looks for already)
BLOCK_START = r"(?:```|~~~)[`~]*[ \t]*\{|\([\w.:/-]+\)="
_HINT = re.compile(rf"\n[ \t]*(?:{BLOCK_START}|:{{3,}}[ \t]*\{{)")  # ...and a colon-fenced one, :::{tip}

_CODE = frozenset({"code", "code-block", "sourcecode", "code-cell", "math", "mermaid", "graphviz"})
# ```{python}: an executable cell (Quarto, R Markdown, Jupytext), code in that language; the
# `#| echo: false` lines that open it are its options
_CELL_LANGUAGES = frozenset({"python", "python3", "ipython", "ipython3", "r", "julia", "bash", "sh", "shell", "sql",
                             "ojs", "dot", "javascript", "js", "typescript", "scala", "java", "cpp", "rust", "go"})
_CELL_OPTION = re.compile(r"[ \t]*#\|")
_DROPPED = frozenset({"toctree", "contents", "tableofcontents", "toc", "include", "literalinclude", "image", "raw"})
_PATH_ARGUMENT = frozenset({"figure"})  # its argument is a file, its content the caption
_VERSION = {"versionadded": "New in version", "versionchanged": "Changed in version",
            "deprecated": "Deprecated since version"}
_LINK_ROLES = frozenset({"ref", "doc", "numref", "term", "download", "any", "eq", "external"})
_TEXT_ROLES = frozenset({"abbr", "sub", "sup", "guilabel", "menuselection"})
_NUMBERED_ROLES = {"pep": "PEP", "rfc": "RFC"}  # {pep}`518` is shown as "PEP 518"
_ICON_ROLES = frozenset({"fa", "fas", "far", "fab", "octicon", "material-regular", "material-outlined"})


def has_myst(body: str) -> bool:
    """Whether `body` may hold a directive, a target or a role: `reduce_myst` reads every
    line of a document, which the other site syntax's documents need not pay."""
    return _HINT.search("\n" + body) is not None or ROLE.search(body) is not None


def reduce_myst(body: str) -> str:
    """`body` with MyST's directives, targets and roles reduced to plain Markdown (called
    for the documents where `BLOCK_START` or `ROLE` is found)."""
    out: list[str] = []
    fence: str | None = None  # the code fence we are in, as bot/markdown.py reads fences
    directives: list[str] = []  # the fences of the prose directives we are in
    dropped: str | None = None  # the fence of a directive being left out
    options = ""  # after a directive's opening line: "lines" while `:key:` lines may follow, "yaml" in a --- block
    lines = body.split("\n")
    ahead = _Closers(lines)
    held: list[str] = []  # lines whose role a line after them closes (joined, as a reader reads them)
    for i, line in enumerate(lines):
        if held:
            if _opens_role(lines, i):  # (joined once, when the last of them comes: a long run costs no more)
                held.append(line.lstrip())
                continue
            line = " ".join([*held, line.lstrip()])
            held.clear()
        if dropped is not None:
            dropped = None if _closes(line, dropped) else dropped
            continue
        if options:
            stripped = line.strip()
            if options == "yaml" or (stripped == "---" and ahead.after(i, "---")):  # a code-cell's too
                options = "" if options == "yaml" and stripped == "---" else "yaml"
                continue
            if _OPTION.fullmatch(line) or fence is not None and _CELL_OPTION.match(line):
                continue
            options = ""
            if not stripped and fence is not None:  # the blank line after a code directive's options
                continue
        if fence is None:
            if directives and _closes(line, directives[-1]):
                directives.pop()
                out.append("")
                continue
            m = _OPENING.fullmatch(line)
            if m:
                marker, name, argument = m.group(1), m.group(2).rsplit(":", 1)[-1].lower(), m.group(3)
                options = "lines"
                if (name in _CODE or name in _CELL_LANGUAGES) and marker[0] != ":":
                    fence = marker
                    language = name if name in _CELL_LANGUAGES or name == "math" else (argument.split() or [""])[0]
                    out.append(marker + language)
                elif name in _DROPPED and ahead.after(i, marker):  # never closed: read on, lose nothing
                    dropped = marker
                else:
                    directives.append(marker)
                    title = "" if name in _PATH_ARGUMENT else f"{_VERSION.get(name, '')} {argument.strip('*')}".strip()
                    out.extend(title_lines(title))
                continue
        code, fence = code_line(line, fence)
        if code:  # copied as written
            out.append(line)
            continue
        if _TARGET.fullmatch(line):
            out.append("")
            continue
        if "}`" in line:
            if _opens_role(lines, i):
                held.append(line)
                continue
            line = ROLE.sub(partial(_role_text, CodeSpanReader(line)), line)
        out.append(_EMPTY_LINK.sub(partial(_named_link, CodeSpanReader(line)), line) if "[](" in line else line)
    return "\n".join(out)


class _Closers:
    """Whether a line after line i closes what a marker opened (a fence, a --- block):
    answered from the longest bare fence of the marker's character at or after each line,
    worked out once per character on first use, so a page of unclosed openers is not read
    once per opener."""

    def __init__(self, lines: list[str]) -> None:
        self._lines = lines
        self._longest: dict[str, list[int]] = {}

    def after(self, i: int, marker: str) -> bool:
        char = marker[0]
        if char not in self._longest:
            longest, run = [0] * (len(self._lines) + 1), 0
            for j in range(len(self._lines) - 1, -1, -1):
                if _closes(self._lines[j], char):
                    run = max(run, len(self._lines[j].strip()))
                longest[j] = run
            self._longest[char] = longest
        return self._longest[char][i + 1] >= len(marker)


def _closes(line: str, marker: str) -> bool:
    """Whether `line` is a bare fence that closes one opened with `marker`."""
    bare = line.strip()
    return (bool(bare) and len(line) - len(line.lstrip(" ")) <= 3 and bare == bare[0] * len(bare)
            and bare[0] == marker[0] and len(bare) >= len(marker))


def target_name(target: str) -> str:
    """A readable name for a link target that has no text: what Sphinx would show as its
    title, near enough. "./branding.rst" is "branding", "xref:guide/notebook-configuration"
    "notebook configuration", "#options" "options"; a web address stays as it is."""
    if target.startswith(("http://", "https://")):
        return target
    path, _, anchor = target.partition("#")
    name = path.rstrip("/").rsplit("/", 1)[-1].split(":")[-1] or anchor
    for suffix in (".md", ".rst", ".ipynb", ".html", ".txt"):
        name = name.removesuffix(suffix)
    return name_in_words(name) or target


def _named_link(in_code_span: CodeSpanReader, m: re.Match[str]) -> str:
    """`[](target)` as a link named after its target; not `![](image)` (an image has no name)
    nor in a code span."""
    start = m.start()
    if in_code_span(start) or (start and m.string[start - 1] == "!"):
        return m.group()
    return f"[{target_name(m.group(1))}]({m.group(1)})"


def _opens_role(lines: list[str], i: int) -> bool:
    """Whether line i ends inside a role that the next line, carrying on its paragraph (not
    blank, no fence or directive), may close."""
    if "}`" not in lines[i] or not _ROLE_OPEN.search(lines[i]) or i + 1 >= len(lines):
        return False
    following = lines[i + 1].strip()
    return bool(following) and not following.startswith(("```", "~~~", ":::")) and fence_marker(lines[i + 1]) is None


def _role_text(in_code_span: CodeSpanReader, m: re.Match[str]) -> str:
    """A role as Sphinx shows it."""
    start = m.start()
    if in_code_span(start) or (start and (m.string[start - 1].isalnum() or m.string[start - 1] == "_")):
        return m.group()  # inside a code span, or part of a word
    role, content = m.group(1), m.group(2)
    kind = role.rsplit(":", 1)[-1]
    shown = _ROLE_TARGET.fullmatch(content)
    text = shown.group(1) if shown and shown.group(1) else content
    if kind in _LINK_ROLES or role.startswith("external"):
        return text if shown else target_name(text)
    if kind in _NUMBERED_ROLES:
        return text if shown else f"{_NUMBERED_ROLES[kind]} {text}"
    if kind in _ICON_ROLES or kind.startswith("material"):
        return ""
    if kind in _TEXT_ROLES:
        return text.split(" (", 1)[0] if kind == "abbr" else text
    text = text.lstrip("!")
    return f"`{text[1:].rsplit('.', 1)[-1] if text.startswith('~') else text}`"
