"""Read a knowledge folder: every Markdown file, its frontmatter, and what went wrong.

A broken file never stops the rest from loading: it is skipped with its name and the
reason, and `cloudai check` lists those problems. Only a folder that yields nothing at
all is an error.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import frontmatter
import yaml
from frontmatter.default_handlers import BaseHandler, YAMLHandler

from .markdown import ParsedMarkdown, parse
from .models import Document

MARKDOWN_SUFFIXES = (".md", ".markdown")
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


class _FastYamlHandler(YAMLHandler):
    """YAML frontmatter with libyaml's C loader when it is there (same results, faster)."""

    def load(self, fm: str, **kwargs: object) -> Any:
        return yaml.load(fm, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


_KEY_LINE = re.compile(r"^[A-Za-z_][\w-]*\s*[:=]")
_HANDLERS: tuple[BaseHandler, ...] = (_FastYamlHandler(), _TomlHandler())


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


@dataclass(slots=True)
class LoadResult:
    files: list[LoadedFile]
    problems: list[LoadProblem]

    @property
    def skipped(self) -> list[LoadProblem]:
        return [p for p in self.problems if p.skipped]


class _Skip(Exception):
    pass


def markdown_files(root: Path, problems: list[LoadProblem]) -> list[Path]:
    """Markdown files under `root`, sorted, following directory links but never in a loop."""
    found: list[Path] = []
    seen_dirs: set[tuple[int, int]] = set()
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            st = folder.stat()
        except OSError as exc:
            problems.append(LoadProblem(_rel(folder, root), f"folder not readable: {exc.strerror}", True))
            continue
        key = (st.st_dev, st.st_ino)
        if key in seen_dirs:
            problems.append(LoadProblem(_rel(folder, root), "folder link loops back to a folder already read; not followed", True))
            continue
        seen_dirs.add(key)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            problems.append(LoadProblem(_rel(folder, root), f"folder not readable: {exc.strerror}", True))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            is_md = entry.name.lower().endswith(MARKDOWN_SUFFIXES)
            try:
                if entry.is_dir(follow_symlinks=True):
                    stack.append(path)
                    continue
            except OSError:
                pass
            if not is_md:
                continue
            try:
                path.stat()
            except OSError as exc:
                reason = "symbolic link loop" if exc.errno == errno.ELOOP else (
                    "broken symbolic link" if entry.is_symlink() else f"cannot read: {exc.strerror}")
                problems.append(LoadProblem(_rel(path, root), reason, True))
                continue
            found.append(path)
    return sorted(found)


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
    problems: list[LoadProblem] = []
    files: list[LoadedFile] = []
    for path in markdown_files(root, problems):
        rel = _rel(path, root)
        repairs: list[str] = []
        before = previous.get(rel) if previous else None
        try:
            doc, md = _load_file(path, rel, max_bytes, repairs, before)
        except _Skip as skip:
            if before is not None:
                problems.append(LoadProblem(rel, f"{skip}; still serving its last good version", True))
                files.append(before)
            else:
                problems.append(LoadProblem(rel, str(skip), True))
            continue
        if before is not None and md is before.markdown:  # unchanged: the parse is reused
            loaded = before
        else:
            loaded = LoadedFile(doc, md, tuple(repairs))
        problems.extend(LoadProblem(rel, r, False) for r in loaded.repairs + tuple(md.repairs))
        files.append(loaded)
    if not files:
        detail = "; ".join(f"{p.path}: {p.reason}" for p in problems if p.skipped)
        what = f"no usable Markdown files (*.md, *.markdown) in {root}"
        raise KnowledgeError(f"{what} ({detail})" if detail else what)
    return LoadResult(files, problems)


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _load_file(path: Path, rel: str, max_bytes: int, repairs: list[str],
               before: LoadedFile | None = None) -> tuple[Document, ParsedMarkdown]:
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise _Skip(f"too large: {size:,} bytes (limit {max_bytes:,})")
        data = path.read_bytes()
    except OSError as exc:
        raise _Skip(f"cannot read: {exc.strerror}") from None
    digest = hashlib.sha256(data).hexdigest()
    if before is not None and before.document.sha256 == digest:
        return before.document, before.markdown  # unchanged since the last load
    if not data.strip():
        raise _Skip("empty file")
    if b"\x00" in data[:8192]:
        raise _Skip("binary file (contains NUL bytes), not Markdown text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _Skip(f"not UTF-8 text (bad byte at offset {exc.start})") from None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    meta, body = _split_frontmatter(text, repairs)
    if not body.strip() and not meta.get("title"):
        raise _Skip("no content after the frontmatter")
    md = parse(body)
    doc = Document(
        path=rel,
        title=_title(meta, md, path),
        description=_string(meta.get("description") or meta.get("summary") or ""),
        tags=_strings(meta.get("tags")) + _strings(meta.get("categories")) + _strings(meta.get("keywords")),
        aliases=_strings(meta.get("aliases")),
        date=_date(meta.get("date") or meta.get("publish_date") or meta.get("lastmod")),
        links=tuple(md.links),
        sha256=digest,
    )
    return doc, md


def _split_frontmatter(text: str, repairs: list[str]) -> tuple[dict[str, Any], str]:
    stripped = text.lstrip("\n")
    handler = frontmatter.detect_format(stripped, _HANDLERS)
    if handler is None:
        return {}, text
    try:
        fm, body = handler.split(stripped)
    except ValueError:
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
    if meta is None:
        return {}, body
    if not isinstance(meta, dict):
        # `---` rules around prose, not frontmatter: keep every word of the file.
        repairs.append(f"text between the leading {handler.START_DELIMITER} lines is not a mapping; "
                       "read as text, not frontmatter")
        return {}, text
    return meta, body


def _title(meta: dict[str, Any], md: ParsedMarkdown, path: Path) -> str:
    title = meta.get("title")
    if isinstance(title, (str, int, float)) and str(title).strip():
        return str(title).strip()
    for seg in md.segments:
        if seg.level:
            if seg.level == 1 and seg.heading:
                return seg.heading
            break
    return path.stem.replace("_", " ").strip() or path.name


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
