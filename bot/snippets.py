"""PyMdown Snippets, as an MkDocs Material site builds them: `--8<-- "file.md"` is replaced
by that file's text.

A site writes shared text once and includes it where it belongs: vLLM's GPU installation
page is a row of tabs, each `--8<-- "docs/getting_started/installation/gpu.cuda.inc.md:requirements"`
(the part of that file between `--8<-- [start:requirements]` and `--8<-- [end:requirements]`),
and dstack's pages on tasks, services and dev environments all include
`docs/concepts/snippets/manage-fleets.ext`. Read line by line the page was its tab labels,
and the included text was either a document of its own titled "Gpu.cuda.inc" or, in a file
that is not Markdown, never read at all.

What is done, as PyMdown does it: the line form (`--8<-- "path"`, `'path'`), a block of
file names between two `--8<--` lines, a named part (`path:name`) and lines (`path:3:9`,
`path:3`, `path::9`), the include line's indentation given to every included line (a
snippet inside a tab or an admonition stays inside it), and snippets inside included text,
three levels deep at most (a file that includes itself stops there), as much text as a
file may hold at most (`MAX_FILE_BYTES`: a page including a large file 20,000 times stops). Lines in code blocks
are included too, as PyMdown does (a fence holding `--8<-- "examples/app.py"` shows the
file). A path is looked for in the knowledge folder: as written, then without its leading
folders (a site's paths start at its project root, `docs/…`, and the knowledge folder is
often `docs/` itself), then beside the including file. Only a regular file inside the
knowledge folder is read. A line whose file is not found stays as it was (bot/sitesyntax.py
drops it, as a site with `check_paths` off shows nothing there). A URL is not fetched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable

MAX_DEPTH = 3  # snippets inside included text, this deep at most
_LINE = re.compile(r"""^([ \t]*)-{1,}8<-{1,}[ \t]+(["'])([^"'\n]+)\2[ \t]*$""")
_MARKER = re.compile(r"^([ \t]*)-{1,}8<-{1,}[ \t]*$")  # opens and closes a block of file names
_PART = re.compile(r"^[ \t]*-{1,}8<-{1,}[ \t]+\[(start|end):([\w-]+)\][ \t]*$")
_NAME_LINE = re.compile(r"^[ \t]*[^\s\"';][^\s]*[ \t]*$")  # one file name, nothing else
_RANGE = re.compile(r"^(.*?):(\d*):?(\d*)$")  # path:3:9, path:3, path::9


@dataclass(slots=True)
class Included:
    """A page's text with its snippets in place, and the files they came from."""

    text: str
    files: list[Path] = field(default_factory=list)  # real paths, in the order first included
    absorbed: list[Path] = field(default_factory=list)  # ...of them, those that are only a part of pages:
    # included whole, or made of nothing but named parts (vLLM's gpu.cuda.inc.md). A page that
    # another includes a part of (`page.md:limits`) is still a page of its own.
    # while including:
    room: int = 0  # characters still to be included: a page that includes a large file 20,000 times stops
    taken: dict[tuple[Path, str, int, int], tuple[str, bool]] = field(default_factory=dict)  # each part read once...
    found: dict[tuple[str, Path], Path | None] = field(default_factory=dict)  # ...and each path looked for once


def include_snippets(text: str, page: Path, root: Path, read: Callable[[Path], str], limit: int) -> Included:
    """`text` (the page at real path `page`) with every snippet whose file is found in `root`
    (the knowledge folder's real path) replaced by that file's text, `limit` characters in
    all at most; `read` reads a file's text (raising OSError or ValueError for one that cannot
    be had: the line then stays)."""
    out = Included(text, room=limit)
    if "8<-" in text:
        out.text = _expand(text, page, root, read, out, (page,))
    return out


def _expand(text: str, page: Path, root: Path, read: Callable[[Path], str], used: Included,
             chain: tuple[Path, ...]) -> str:
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if "8<-" not in line:
            out.append(line)
            i += 1
            continue
        single = _LINE.match(line)
        if single is not None:
            got = _one(single.group(3), page, root, read, used, chain)
            out.extend(_indented(got, single.group(1)) if got is not None else [line])
            i += 1
            continue
        block = _MARKER.match(line)
        end = _block_end(lines, i) if block is not None else None
        if block is None or end is None:
            out.append(line)
            i += 1
            continue
        names = [n.strip() for n in lines[i + 1:end] if n.strip()]
        found = [_one(name, page, root, read, used, chain) for name in names]
        if all(got is not None for got in found):
            for got in found:
                out.extend(_indented(got, block.group(1)))  # type: ignore[arg-type]
        else:  # a name not found: the block stays as written (and goes, as before)
            out.extend(lines[i:end + 1])
        i = end + 1
    return "\n".join(out)


def _block_end(lines: list[str], start: int) -> int | None:
    """The closing `--8<--` line of a block of file names opened at `start`, if only names
    (or blank lines) come before it."""
    for j in range(start + 1, len(lines)):
        if _MARKER.match(lines[j]):
            return j if j > start + 1 else None
        if lines[j].strip() and not _NAME_LINE.match(lines[j]):
            return None
    return None


def _one(spec: str, page: Path, root: Path, read: Callable[[Path], str], used: Included,
         chain: tuple[Path, ...]) -> str | None:
    """The text a snippet names, its own snippets in place; None when it cannot be had."""
    spec = spec.strip()
    if "://" in spec or len(chain) > MAX_DEPTH:
        return None
    path, part, first, last = _spec(spec)
    if (path, page) not in used.found:
        used.found[path, page] = _find(path, page, root)
    found = used.found[path, page]
    if found is None or found in chain:
        return None
    wanted = (found, part, first, last)
    if wanted not in used.taken:
        try:
            used.taken[wanted] = _taken(read(found), part, first, last)
        except (OSError, ValueError):
            return None
    taken, absorbed = used.taken[wanted]
    if found not in used.files:
        used.files.append(found)
    if absorbed and found not in used.absorbed:
        used.absorbed.append(found)
    if len(taken) > used.room:
        return None
    used.room -= len(taken)
    return _expand(taken, found, root, read, used, chain + (found,))


def _taken(text: str, part: str, first: int, last: int) -> tuple[str, bool]:
    """What a snippet takes of a file's text, and whether that makes the file only a part of
    pages (taken whole, or a file of nothing but named parts)."""
    lines = text.split("\n")
    absorbed = not (part or first or last) or _only_parts(lines)
    if part:
        lines = _part(lines, part)
    elif first or last:
        lines = lines[max(first - 1, 0):last or None]
    return "\n".join(lines).strip("\n"), absorbed


def _spec(spec: str) -> tuple[str, str, int, int]:
    """(path, part name, first line, last line) of `path`, `path:name` or `path:3:9`."""
    head, _, tail = spec.rpartition("/")
    if ":" not in tail:
        return spec, "", 0, 0
    ranged = _RANGE.match(tail)
    if ranged is not None and (ranged.group(2) or ranged.group(3)):
        return f"{head}/{ranged.group(1)}" if head else ranged.group(1), "", int(ranged.group(2) or 0), \
            int(ranged.group(3) or 0)
    name, _, part = tail.partition(":")
    return (f"{head}/{name}" if head else name), part, 0, 0


def _part(lines: list[str], name: str) -> list[str]:
    """The lines between `--8<-- [start:name]` and `--8<-- [end:name]` (none if never started)."""
    out: list[str] = []
    inside = False
    for line in lines:
        mark = _PART.match(line) if "8<-" in line else None
        if mark is not None and mark.group(2) == name:
            inside = mark.group(1) == "start"
            continue
        if inside:
            out.append(line)
    return out


def _only_parts(lines: list[str]) -> bool:
    """Is every line of a file blank, a comment, or inside a named part?"""
    inside = 0
    for line in lines:
        mark = _PART.match(line) if "8<-" in line else None
        if mark is not None:
            inside += 1 if mark.group(1) == "start" else -1
        elif inside <= 0 and line.strip() and not (line.lstrip().startswith("<!--") and line.rstrip().endswith("-->")):
            return False
    return True


def _find(spec: str, page: Path, root: Path) -> Path | None:
    """The regular file inside `root` that `spec` names: from the root as written, then
    without its leading folders, then from the including page's folder."""
    parts = [p for p in PurePosixPath(spec.replace("\\", "/")).parts if p not in ("/", ".")]
    if not parts or ".." in parts:
        return None
    bases = [root.joinpath(*parts[k:]) for k in range(len(parts))] + [page.parent.joinpath(*parts)]
    for candidate in bases:
        try:
            real = candidate.resolve()
        except (OSError, RuntimeError):
            continue
        if real.is_relative_to(root) and real.is_file():
            return real
    return None


def _indented(text: str, indent: str) -> list[str]:
    lines = text.split("\n")
    return [indent + line if line.strip() else line for line in lines] if indent else lines
