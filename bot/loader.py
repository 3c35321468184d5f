"""Read a knowledge folder: every Markdown file, its frontmatter, and what went wrong.

A broken file never stops the rest from loading: it is skipped with its name and the
reason, and `cloudai check` lists those problems. Only a folder that yields nothing at
all is an error. What is read is bounded because the folder is often a shared repository:
regular files only (a FIFO would hang, /dev/zero would fill memory), at most
MAX_FILE_BYTES each, and links only when they resolve inside the folder.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import json
import os
import posixpath
import re
import stat
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import unquote

import frontmatter
import yaml
from frontmatter.default_handlers import BaseHandler, JSONHandler, YAMLHandler

from .drawings import drawing_name, drawing_text, is_drawing
from .markdown import ParsedMarkdown, holds, name_in_words, parse
from .models import Document, WikiLink
from .outliner import is_outliner_app_folder, is_outliner_graph, is_outliner_page, page_properties, reduce_outliner
from .sitesyntax import reduce_site_syntax
from .snippets import include_snippets

MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdx", ".qmd", ".rmd")  # (Quarto and R Markdown are Markdown too)
MAX_FILE_BYTES = 2 * 1024 * 1024


class KnowledgeError(Exception):
    """The knowledge folder as a whole cannot be used (missing, empty, nothing loadable)."""


class _TomlHandler(BaseHandler):
    """Hugo's `+++` TOML frontmatter, read with the standard library's tomllib."""

    import re as _re

    FM_BOUNDARY = _re.compile(r"^\+{3,}\s*$", _re.MULTILINE)
    START_DELIMITER = END_DELIMITER = "+++"

    def load(self, fm: str, **kwargs: object) -> Any:
        return tomllib.loads(fm)


class _JsonHandler(JSONHandler):
    """Hugo's JSON frontmatter: a page opening with a line "{" and the object's closing "}"
    alone on a line. A page that opens so and is not JSON is text (see _split_frontmatter)."""

    START_DELIMITER = "{"


class _FastYamlHandler(YAMLHandler):
    """YAML frontmatter with libyaml's C loader when it is there (same results, faster)."""

    def load(self, fm: str, **kwargs: object) -> Any:
        return yaml.load(fm, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


_EXPORT_ID = re.compile(r" [0-9a-f]{32}$")  # see without_export_id
# [text](path/to/page.md#anchor "title"): a link to another page (see page_links)
_PAGE_LINK = re.compile(r"\]\((?:<([^<>\n]+?\.(?:mdx?|qmd|rmd))(?:#[^<>\n]*)?>|([^()\s<>#]+\.(?:mdx?|qmd|rmd))[#)\s])",
                        re.IGNORECASE)
# [text](/docs/components/pipelines/): a site's own page by its address (Hugo, Docusaurus), no extension
_SITE_LINK = re.compile(r"\]\(/([\w\-/]+?)/?(?:[#?][^()\s]*)?\)")
_KEY_LINE = re.compile(r"^[A-Za-z_][\w-]*\s*[:=]")
# a Notion page's properties, "Created: March 3, 2024 10:12 AM", one a line under its title
_NOTION_TITLE = re.compile(r"\A\s*# [^\n]+\n\n")
_NOTION_PROPERTY = re.compile(r"([A-Z][\w()/&' -]{0,39}?): (\S[^\n]*)")
_NOTION_DATES = ("%B %d, %Y %I:%M %p", "%B %d, %Y")
# properties Notion's databases name so: one of these alone under a title is a property line
_NOTION_NAMES = frozenset({"created", "created by", "created time", "last edited", "last edited time",
                           "last edited by", "tags", "status", "owner", "assignee", "date", "type"})
_HANDLERS: tuple[BaseHandler, ...] = (_FastYamlHandler(), _TomlHandler(), _JsonHandler())
# MultiMarkdown's metadata (MkDocs', Pelican's posts'): `Title: …` lines opening a page, no delimiters
_HEADER_FIELD = re.compile(r"([A-Za-z][\w -]{0,39}?):[ \t]+(\S[^\n]*)")


@dataclass(frozen=True, slots=True)
class LoadProblem:
    """A file that was skipped (not loaded) or repaired (loaded with a fix), and why."""

    path: str
    reason: str
    skipped: bool


@dataclass(slots=True)
class LoadedFile:
    document: Document
    markdown: ParsedMarkdown
    repairs: tuple[str, ...] = ()  # what loading fixed in the file (reported again on reuse)
    included: tuple[str, ...] = ()  # files its snippets took text from (bot/snippets.py), relative to the folder
    absorbed: tuple[str, ...] = ()  # ...of them, those that are only a part of pages, not pages of their own


@dataclass(slots=True)
class LoadResult:
    files: list[LoadedFile]
    problems: list[LoadProblem]
    folders: list[Path] = field(default_factory=list)  # real paths of the folders read (what hot reload watches)
    included: frozenset[str] = frozenset()  # files the pages' snippets include (hot reload watches them too)

    @property
    def skipped(self) -> list[LoadProblem]:
        return [p for p in self.problems if p.skipped]


class _Skip(ValueError):
    """A file that cannot be used, with the reason (a ValueError: what bot/snippets.py passes over)."""


@dataclass(slots=True)
class _Walk:
    """What a walk of the knowledge folder found: files to read, folders read, files refused."""

    files: list[tuple[Path, Path]]  # (path as found under the root, real path to open)
    folders: list[Path]  # real paths of the folders read (what hot reload watches)
    problems: list[LoadProblem]


def knowledge_folders(root: Path) -> list[Path]:
    """The real paths of the folders the loader reads under `root` (itself included): what hot
    reload watches, so it never watches a folder outside `root` a link points to."""
    return _walk(root).folders


def _walk(root: Path) -> _Walk:
    """Walk `root` as the loader reads it. A link (to a file or a folder) is followed only when
    its target resolves inside `root` and is not hidden: a knowledge folder is often a shared
    notes repository, and a link in it must not serve /etc/passwd or ../.env to a chat."""
    root_real = Path(os.path.realpath(root))
    walk = _Walk([], [], [])
    templates = {root / folder for folder in note_template_folders(root)}
    seen_dirs: set[tuple[int, int]] = set()
    stack = [root]
    links: list[Path] = []  # folder links, walked after every real folder: a link is the duplicate
    while stack or links:
        folder = stack.pop() if stack else links.pop()
        try:
            st = folder.stat()
        except OSError as exc:
            walk.problems.append(LoadProblem(_rel(folder, root), f"folder not readable: {exc.strerror}", True))
            continue
        key = (st.st_dev, st.st_ino)
        if key in seen_dirs:
            walk.problems.append(LoadProblem(_rel(folder, root), _already_read(folder, root_real), True))
            continue
        seen_dirs.add(key)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            walk.problems.append(LoadProblem(_rel(folder, root), f"folder not readable: {exc.strerror}", True))
            continue
        walk.folders.append(Path(os.path.realpath(folder)))
        for entry in entries:
            if (not entry.name.startswith(".") and not is_outliner_app_folder(entry.path)
                    and not (templates and Path(entry.path) in templates)):
                _visit(entry, root, root_real, walk, links if entry.is_symlink() else stack)
    walk.files.sort()
    return walk


# where an Obsidian vault keeps the templates its notes are made from: the core Templates
# plugin's setting, and Templater's
_TEMPLATE_SETTINGS = ((".obsidian/templates.json", "folder"),
                      (".obsidian/plugins/templater-obsidian/data.json", "templates_folder"))


def note_template_folders(root: Path) -> list[str]:
    """The folders (from `root`) an Obsidian vault at `root` keeps its note templates in, as
    its settings name them: not knowledge but blanks ("## Attendees", "{{date}}"), which
    answered questions about meetings. A setting that cannot be read names none."""
    folders = []
    for settings, key in _TEMPLATE_SETTINGS:
        try:
            value = json.loads((root / settings).read_text(encoding="utf-8")).get(key)
        except (OSError, ValueError, AttributeError):
            continue
        folder = posixpath.normpath(value.strip().strip("/")) if isinstance(value, str) and value.strip("/ ") else ""
        if folder and not folder.startswith(".."):
            folders.append(folder)
    return folders


def _already_read(link: Path, root_real: Path) -> str:
    """Why a folder link reaching a folder already read is not followed: a loop (it points
    at a folder above it, or itself) or a second way to the same folder."""
    target = Path(os.path.realpath(link))
    if Path(os.path.realpath(link.parent)).is_relative_to(target):
        return "folder link loops back to a folder already read; not followed"
    return f"folder link to {_rel(target, root_real)}, a folder already read; not followed"


def _visit(entry: os.DirEntry[str], root: Path, root_real: Path, walk: _Walk, stack: list[Path]) -> None:
    """Queue a folder on `stack`, keep a regular Markdown file, or record why one is refused."""
    path = Path(entry.path)
    is_md = entry.name.lower().endswith(MARKDOWN_SUFFIXES)
    try:
        is_dir = entry.is_dir()  # follows links; no system call for a plain entry
    except OSError:
        is_dir = False
    if not (is_dir or is_md):
        return
    rel = _rel(path, root)
    try:
        st = entry.stat()  # follows links: what would be read
    except OSError as exc:
        reason = "symbolic link loop" if exc.errno == errno.ELOOP else (
            "broken symbolic link" if entry.is_symlink() else f"cannot read: {exc.strerror}")
        walk.problems.append(LoadProblem(rel, reason, True))
        return
    real = path
    if entry.is_symlink():
        real = Path(os.path.realpath(path))
        refused = _refused_link(real, root_real, stat.S_ISDIR(st.st_mode))
        if refused:
            walk.problems.append(LoadProblem(rel, refused, True))
            return
    if stat.S_ISDIR(st.st_mode):
        stack.append(path)
    elif not stat.S_ISREG(st.st_mode):
        walk.problems.append(LoadProblem(rel, f"{_kind(st.st_mode)}, not a regular file; not read", True))
    else:
        walk.files.append((path, real))


def _refused_link(target: Path, root_real: Path, is_dir: bool) -> str:
    """Why a link to `target` is not followed ("" when it may be): it leads out of the
    knowledge folder, or into a hidden file or folder the loader would not read itself."""
    what = "folder link" if is_dir else "symbolic link"
    try:
        inside = target.relative_to(root_real)
    except ValueError:
        return f"{what} to {target}, outside the knowledge folder; not followed"
    if any(part.startswith(".") for part in inside.parts):
        return f"{what} to a hidden file or folder ({inside.as_posix()}); not followed"
    return ""


def _kind(mode: int) -> str:
    """A file type in words, for the reason a special file is not read."""
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def load_folder(root: Path, max_bytes: int = MAX_FILE_BYTES,
                previous: Mapping[str, LoadedFile] | None = None) -> LoadResult:
    """Load every Markdown file under `root`; raise KnowledgeError if none can be used.

    `previous` (the files of the last load, by path) makes a reload cheap and safe: a file
    whose bytes did not change is not parsed again, and a file that was good and is now
    broken (a half-saved edit) keeps its last good version, with the reason reported."""
    if not root.exists():
        raise KnowledgeError(f"knowledge folder not found: {root}")
    if not root.is_dir():
        raise KnowledgeError(f"knowledge folder is not a folder: {root}")
    walk = _walk(root)
    problems = walk.problems
    files: list[LoadedFile] = []
    graph = is_outliner_graph(root)
    real_root = root.resolve()  # what snippets may include from (bot/snippets.py)
    for path, real in walk.files:
        rel = _rel(path, root)
        repairs: list[str] = []
        before = previous.get(rel) if previous else None
        try:
            doc, md, included, absorbed = _load_file(path, real, rel, real_root, max_bytes, repairs, before,
                                                     outline=graph or is_outliner_page(rel))
        except Exception as exc:  # one file's failure, whatever it is, never stops the rest
            reason = str(exc) if isinstance(exc, _Skip) else f"cannot be loaded: {_describe(exc)}"
            if before is not None:
                problems.append(LoadProblem(rel, f"{reason}; still serving its last good version", True))
                files.append(before)
            else:
                problems.append(LoadProblem(rel, reason, True))
            continue
        if before is not None and md is before.markdown:  # unchanged: the parse is reused
            loaded = before
        else:
            loaded = LoadedFile(doc, md, tuple(repairs), included, absorbed)
        problems.extend(LoadProblem(rel, r, False) for r in loaded.repairs + tuple(md.repairs))
        files.append(loaded)
    # a file a page includes is part of that page (a site excludes its snippets from the build),
    # unless it includes that page in turn (two pages that include each other are both pages)
    includes = {f.document.path: set(f.included) for f in files}
    parts_of_pages = {name for f in files for name in f.absorbed
                      if name != f.document.path and f.document.path not in includes.get(name, ())}
    files = [f for f in files if f.document.path not in parts_of_pages]
    if not files:
        detail = "; ".join(f"{p.path}: {p.reason}" for p in problems if p.skipped)
        what = f"no usable Markdown files (*.md, *.markdown, *.mdx, *.qmd, *.Rmd) in {root}"
        raise KnowledgeError(f"{what} ({detail})" if detail else what)
    return LoadResult(files, problems, walk.folders, frozenset(name for names in includes.values() for name in names))


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def _read_regular(real: Path, max_bytes: int) -> bytes:
    """The bytes of the regular file at `real` (a path already checked by the walk), read so
    that nothing swapped in since can hurt: not blocking on a FIFO (O_NONBLOCK), not following
    a link put in its place (O_NOFOLLOW), and never more than `max_bytes` + 1 bytes (a device
    or a /proc file claims size 0 and never ends)."""
    try:
        fd = os.open(real, _OPEN_FLAGS)
    except OSError as exc:
        raise _Skip(f"cannot read: {exc.strerror}") from None
    with open(fd, "rb", closefd=True) as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise _Skip(f"{_kind(st.st_mode)}, not a regular file; not read")
        if st.st_size > max_bytes:
            raise _Skip(f"too large: {st.st_size:,} bytes (limit {max_bytes:,})")
        try:
            data = fh.read(max_bytes + 1)
        except OSError as exc:
            raise _Skip(f"cannot read: {exc.strerror}") from None
    if len(data) > max_bytes:
        raise _Skip(f"too large: over {max_bytes:,} bytes (limit {max_bytes:,})")
    return data


def _describe(exc: BaseException) -> str:
    """An exception in one line: its message, with the type when the message alone is cryptic."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if isinstance(exc, ValueError) and text:
        return text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


_JOURNAL_NAME = re.compile(r"(\d{4})_(\d{2})_(\d{2})")  # Logseq's journal file names: 2024_01_15.md


def _load_file(path: Path, real: Path, rel: str, real_root: Path, max_bytes: int, repairs: list[str],
               before: LoadedFile | None = None,
               outline: bool = False) -> tuple[Document, ParsedMarkdown, tuple[str, ...], tuple[str, ...]]:
    """One file as a document, its parse, the files its snippets include and those of them
    that are only a part of pages (relative to `real_root`, the knowledge folder's real path;
    bot/snippets.py); `outline`: a Logseq page (bot/outliner.py)."""
    data = _read_regular(real, max_bytes)
    if b"8<-" in data:  # its snippets' text is part of it: what a reload compares
        text = _decoded(data)
        included = include_snippets(text, real, real_root, lambda file: _decoded(_read_regular(file, max_bytes)),
                                    max_bytes)
        text = included.text
        names = tuple(_rel(file, real_root) for file in included.files)
        absorbed = tuple(_rel(file, real_root) for file in included.absorbed)
        digest = hashlib.sha256(text.encode()).hexdigest() if names else hashlib.sha256(data).hexdigest()
    else:
        text, names, absorbed, digest = "", (), (), hashlib.sha256(data).hexdigest()
    if before is not None and before.document.sha256 == digest:
        return before.document, before.markdown, before.included, before.absorbed  # unchanged since the last load
    if not data.strip():
        raise _Skip("empty file")
    if b"\x00" in data[:8192]:
        raise _Skip("binary file (contains NUL bytes), not Markdown text")
    text = text or _decoded(data)
    meta, body = _split_frontmatter(text, repairs)
    if not meta and _EXPORT_ID.search(path.stem):
        meta, body = notion_properties(body)
    if outline and not meta:
        meta, body = page_properties(body)
        if journal := _JOURNAL_NAME.fullmatch(path.stem):  # a Logseq journal page: its day is its title and date
            day = "-".join(journal.groups())
            meta = {"title": day, "date": day, **meta}
    if not meta and not outline:
        meta, body = header_metadata(body)
    if is_drawing(rel, meta):  # an Obsidian Excalidraw drawing: its labels, not its JSON (bot/drawings.py)
        body = drawing_text(body)
        if not body:
            raise _Skip("an Excalidraw drawing with no text in it")
        meta = {"title": drawing_name(path.stem), **meta}
    if not body.strip() and not meta.get("title"):
        raise _Skip("no content after the frontmatter")
    body, blocks = reduce_outliner(body) if outline else (body, {})
    md = parse(reduce_site_syntax(body, mdx=rel.lower().endswith(".mdx")))  # bot/sitesyntax.py
    md.blocks = blocks
    doc = Document(
        path=rel,
        title=_title(meta, md, path),
        description=_string(meta.get("description") or meta.get("summary") or ""),
        tags=_strings(meta.get("tags")) + _strings(meta.get("categories")) + _strings(meta.get("keywords")),
        aliases=_strings(meta.get("aliases")),
        date=_date(meta.get("date") or meta.get("publish_date") or meta.get("lastmod")),
        links=tuple(md.links) + page_links(body, rel),
        sha256=digest,
    )
    return doc, md, names, absorbed


def _decoded(data: bytes) -> str:
    """A file's bytes as text with Unix line ends; _Skip when they are not UTF-8."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _Skip(f"not UTF-8 text (bad byte at offset {exc.start})") from None
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def _split_frontmatter(text: str, repairs: list[str]) -> tuple[dict[str, Any], str]:
    stripped = text.lstrip("\n")
    handler = frontmatter.detect_format(stripped, _HANDLERS)
    if handler is None:
        return {}, text
    json = isinstance(handler, _JsonHandler)
    try:
        fm, body = handler.split(stripped)
    except ValueError:
        if json:  # a "{" line opening a page, no "}" line: text
            return {}, text
        # No closing delimiter: frontmatter left open if it starts like one ("title: …"),
        # otherwise a leading `---` is just a thematic break before prose.
        after = stripped.split("\n", 1)[1] if "\n" in stripped else ""
        if _KEY_LINE.match(after.lstrip("\n")):
            raise _Skip(f"broken frontmatter: opened with {handler.START_DELIMITER} but never closed") from None
        repairs.append(f"starts with {handler.START_DELIMITER} but has no closing {handler.START_DELIMITER}; "
                       "read as text, not frontmatter")
        return {}, text
    try:
        meta = handler.load(fm)
    except (yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise _Skip(f"broken frontmatter: {first}") from None
    except ValueError as exc:  # a value that cannot be built (`date: 2024-02-30`, `!!float abc`), or JSON's error
        if not json:
            raise _Skip(f"broken frontmatter: {_describe(exc)}") from None
        repairs.append(f"starts with a {{ line but is no JSON frontmatter ({_describe(exc)}); read as text")
        return {}, text
    except Exception as exc:  # e.g. `!!timestamp nope`: PyYAML fails with an AttributeError
        raise _Skip(f"broken frontmatter: a value cannot be read ({_describe(exc)})") from None
    if meta is None:
        return {}, body
    if not isinstance(meta, dict):
        # `---` rules around prose, not frontmatter: keep every word of the file.
        repairs.append(f"text between the leading {handler.START_DELIMITER} lines is not a mapping; "
                       "read as text, not frontmatter")
        return {}, text
    return meta, body


def page_links(body: str, rel: str) -> tuple[WikiLink, ...]:
    """The Markdown links of a page (at `rel`) to other pages of the folder, by their path
    from its root: `[Onboarding](Team%20Wiki/Onboarding.md#day-one)` in a Notion export,
    `[setup](../setup.md)` in a doc site, `[CLI](/docs/pipelines/cli/)` by its address on
    the site. They relate two documents as a `[[wiki link]]` does; before, a folder linked
    only with Markdown links had no related documents."""
    found: dict[str, None] = {}
    if holds(body, "](/"):  # a site address is its page's path without the extension (knowledge.py)
        found.update((path.strip("/"), None) for path in _SITE_LINK.findall(body))
    if not holds(body, "md"):  # (.md, .mdx, .qmd, .Rmd)
        return tuple(WikiLink(path, markdown=True) for path in found)
    folder = posixpath.dirname(rel)
    for bracketed, bare in dict.fromkeys(_PAGE_LINK.findall(body)):  # <a page.md> may hold spaces
        target = bracketed or bare
        if "%" in target:
            target = unquote(target)
        if ":" in target.split("/", 1)[0]:  # https://…, mailto:…
            continue
        if "/" in target or target.startswith("."):
            target = posixpath.normpath(target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target))
        elif folder:
            target = f"{folder}/{target}"
        if not target.startswith("../") and target != rel:
            found[target] = None
    return tuple(WikiLink(path, markdown=True) for path in found)


def notion_properties(body: str) -> tuple[dict[str, Any], str]:
    """A Notion page's properties as frontmatter, and its body without them.

    Notion exports a database page's properties as lines under its title ("Created: …",
    "Tags: …", "Owner: …") where other tools write frontmatter. Left in the body they opened
    every answer from such a page. Tags, a date and a description mean what they mean in
    frontmatter; the other properties' values are kept as tags, so the page is still found
    by its owner or status (`_field_meta`)."""
    title = _NOTION_TITLE.match(body)
    if title is None:
        return {}, body
    found, end = _field_lines(body, title.end(), _NOTION_PROPERTY)
    if not found or (len(found) == 1 and found[0].group(1).lower() not in _NOTION_NAMES):
        return {}, body  # a paragraph, or one line that reads "Note: …"
    return _field_meta(found), body[:title.end()] + body[end:].lstrip("\n")


def header_metadata(body: str) -> tuple[dict[str, Any], str]:
    """MultiMarkdown's metadata as frontmatter, and the body without it: `Title: …`, `Date: …`,
    `Tags: …` lines opening a page, with no delimiters, up to the first blank line. MkDocs
    reads a page's metadata so and Pelican's blog posts are written so; left in the body,
    they opened the page's first answer. Only when a line is its title: a note that opens
    "Owner: Alice" is text."""
    if _HEADER_FIELD.match(body) is None:
        return {}, body
    found, end = _field_lines(body.rstrip("\n"), 0, _HEADER_FIELD)
    if not any(m.group(1).lower() == "title" for m in found):
        return {}, body
    return _field_meta(found), body[end:].lstrip("\n")


def _field_lines(body: str, start: int, field: re.Pattern[str]) -> tuple[list[re.Match[str]], int]:
    """The `Key: value` lines of the paragraph at `start` (each a `field` of at most 200
    characters), and where the paragraph ends; none unless every line of it is one."""
    end = body.find("\n\n", start)
    end = len(body) if end < 0 else end
    lines = body[start:end].split("\n")
    found = [m for m in map(field.fullmatch, lines) if m is not None and len(m.group()) <= 200]
    return (found if len(found) == len(lines) else []), end


def _field_meta(found: list[re.Match[str]]) -> dict[str, Any]:
    """Frontmatter from `Key: value` lines (a Notion page's properties, MultiMarkdown's
    metadata): a title, tags, a date and a description mean what they mean in frontmatter;
    the other values are kept as keywords, so the page is still found by its owner or status."""
    meta: dict[str, Any] = {"tags": [], "keywords": []}
    for m in found:
        key, value = m.group(1).lower(), m.group(2).strip()
        if key == "title":
            meta["title"] = value
        elif key in ("tags", "tag", "category", "categories", "keywords"):
            meta["tags"].extend(value.split(","))
        elif key in ("created", "date", "created time") and "date" not in meta:
            meta["date"] = _notion_date(value)
        elif key in ("description", "summary"):
            meta["description"] = value
        else:
            meta["keywords"].append(value)
    return meta


def _notion_date(value: str) -> dt.date | str:
    for form in _NOTION_DATES:
        try:
            return dt.datetime.strptime(value, form).date()
        except ValueError:
            continue
    return value


def without_export_id(name: str) -> str:
    """A file or folder name without the id Notion's export ends every name with
    ("Onboarding 3f2a9c0d8e7b4a1c9f0e2d3c4b5a6978"): it names nothing a reader would ask about."""
    return _EXPORT_ID.sub("", name)


def _title(meta: dict[str, Any], md: ParsedMarkdown, path: Path) -> str:
    title = meta.get("title")
    if isinstance(title, (str, int, float)) and str(title).strip():
        return str(title).strip()
    for seg in md.segments:
        if seg.level:
            if seg.level == 1 and seg.heading:
                return seg.heading
            break
    stem = without_export_id(path.stem.strip())
    if " " not in stem and stem == stem.lower():  # a slug ("server-push"): a site shows "Server push"
        slug = name_in_words(stem)
        return slug[:1].upper() + slug[1:] or path.name
    return stem.replace("_", " ").strip() or path.name  # a note's name is its title, as typed


def _string(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        parts = value.split(",")
    elif isinstance(value, (list, tuple)):
        parts = [str(v) for v in value if isinstance(v, (str, int, float))]
    else:
        return ()
    return tuple(p.strip() for p in parts if p.strip())


def _date(value: Any) -> str | None:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str) and value.strip():
        return value.strip()[:10]
    return None
