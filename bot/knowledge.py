"""A loaded knowledge folder: documents, their sections, the index, and the links between them."""

from __future__ import annotations

import dataclasses
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .embeds import embedded_text
from .index import SectionIndex
from .loader import LoadedFile, LoadProblem, load_folder, without_export_id
from .markdown import EMBED, EMBED_MARK, finish_links, name_in_words, without_block_ids, without_link_marks
from .models import Document, Section, WikiLink
from .sections import Embed, build_sections
from .text import Analyser


def bundled(name: str) -> Path:
    """A folder shipped with cloudai: beside the source tree (a clone, `pip install -e .`), else
    where `pip install .` puts the data files (<prefix>/share/cloudai/NAME)."""
    beside = Path(__file__).resolve().parent.parent / name
    installed = Path(sys.prefix) / "share" / "cloudai" / name
    return beside if beside.exists() or not installed.exists() else installed


BUNDLED_KNOWLEDGE = bundled("knowledge")


@dataclass(slots=True)
class KnowledgeBase:
    root: Path
    documents: list[Document]
    sections: list[Section]
    index: SectionIndex
    problems: list[LoadProblem]
    load_seconds: float = 0.0
    files: dict[str, LoadedFile] = field(default_factory=dict)  # as parsed, by path: what a reload reuses
    folders: list[Path] = field(default_factory=list)  # real paths of the folders read (what hot reload watches)
    included: frozenset[str] = frozenset()  # files the pages' snippets include (what hot reload watches too)
    _names: dict[str, Document] = field(default_factory=dict)
    _backlinks: dict[str, list[Document]] = field(default_factory=dict)
    _blocks: dict[str, str] = field(default_factory=dict)  # Logseq block ids: id → the block's text

    @classmethod
    def load(cls, root: Path, previous: "KnowledgeBase | None" = None) -> "KnowledgeBase":
        """Load, section and index `root`; raises loader.KnowledgeError if nothing is usable.
        With `previous` (a reload), unchanged files are not parsed again and a file broken
        since keeps its last good version."""
        started = time.perf_counter()
        result = load_folder(root, previous=previous.files if previous is not None else None)
        files = _with_breadcrumbs(result.files)
        kb = cls(root, [f.document for f in files], [], None, result.problems)  # type: ignore[arg-type]
        kb.files = {f.document.path: f for f in result.files}
        kb.folders = result.folders
        kb.included = result.included
        kb._link()
        kb.sections = build_sections(files, kb._link_names, kb._embeds)
        kb.index = SectionIndex(kb.sections, Analyser())  # a new analyser per load: no state carried over
        kb.load_seconds = time.perf_counter() - started
        return kb

    def _link(self) -> None:
        for doc in self.documents:
            folder, _, file_name = doc.path.rpartition("/")
            stem = file_name.rsplit(".", 1)[0]
            address = folder if stem.lower() in FOLDER_INDEX_NAMES else doc.path.rsplit(".", 1)[0]  # as a site serves it
            for name in (doc.path, address, stem, doc.title, *doc.aliases):
                self._names.setdefault(name.strip().lower(), doc)
        by_path = {doc.path: doc for doc in self.documents}
        for path, loaded in self.files.items():  # a Logseq block is found by its reference, "((id))"
            for block_id, text in loaded.markdown.blocks.items():
                self._names.setdefault(f"(({block_id}))", by_path[path])
                self._blocks.setdefault(block_id, text)
        for doc in self.documents:
            for link in doc.links:
                target = self.resolve(link)
                if target is not None and target is not doc:
                    self._backlinks.setdefault(target.path, []).append(doc)

    def _link_names(self, doc: Document) -> dict[str, str]:
        """A link to a file name (`[[key-trends]]`) reads as that document's title."""
        names: dict[str, str] = {}
        for link in doc.links:
            target = self.resolve(link)
            if not (link.alias or link.markdown or link.embed or target is None or target.title == link.target):
                names[link.display] = _title(target, link)
        return names

    def _embeds(self, doc: Document) -> dict[str, Embed]:
        """What each of `doc`'s embeds (`![[checklist]]`) and Logseq block references shows
        (bot/embeds.py), by its display text: an embed of itself or of a part that is missing
        shows only the name."""
        out: dict[str, Embed] = {}
        for link in doc.links:
            target = self.resolve(link) if link.embed else None
            if link.target.startswith("(("):  # a Logseq block reference: the block's text, in a sentence too
                block = self._blocks.get(link.target[2:-2], "")
                out[link.display] = Embed(target.title if target is not None else "", block, inline=block)
                continue
            if target is None:
                continue
            loaded = self.files.get(target.path)
            shown = embedded_text(target, loaded.markdown.segments, link) if loaded and target is not doc else ""
            out[link.display] = Embed(link.alias or _title(target, link), self._nested(shown, target))
        return out

    def _nested(self, text: str, doc: Document) -> str:
        """Text of `doc` shown inside another page: its links read as titles, its embeds as
        names (an embed never nests) and its block references as the blocks."""
        text = finish_links(text, self._link_names(doc))
        if EMBED in text:
            text = EMBED_MARK.sub(lambda m: self._blocks.get(m.group(1)[2:-2], "") if m.group(1).startswith("((")
                                  else m.group(1), text)
        return without_block_ids(without_link_marks(text))

    def resolve(self, link: WikiLink) -> Document | None:
        """The document a `[[wiki link]]` points to, by title, alias or file name."""
        if not link.target:
            return None
        return self._names.get(link.target.strip().lower())

    def related(self, doc: Document) -> list[Document]:
        """Documents linked from `doc` and linking to it, in that order, without repeats."""
        out: list[Document] = []
        for link in doc.links:
            target = self.resolve(link)
            if target is not None and target is not doc and target not in out:
                out.append(target)
        for other in self._backlinks.get(doc.path, []):
            if other not in out:
                out.append(other)
        return out

    def doc_sections(self, doc: Document) -> list[Section]:
        return [s for s in self.sections if s.doc is doc]


FOLDER_INDEX_NAMES = ("_index", "index", "readme")


def _title(target: Document, link: WikiLink) -> str:
    """What a link to `target` reads as: its title, and the heading it names (not a block's id)."""
    return f"{target.title} › {link.heading}" if link.heading and not link.heading.startswith("^") else target.title


def _with_breadcrumbs(files: list[LoadedFile]) -> list[LoadedFile]:
    """The files, each document given the titles of the folders above it (new objects: the
    parsed files are kept as they are for the next reload).

    Doc sites title pages "Overview" or "Installation" and let the folder say what they
    are about; a folder's title is its `_index.md`/`index.md`/`README.md` title, else the
    title of a page of its name beside it (`Team Wiki.md` for `Team Wiki/`: Notion's
    export, Obsidian's folder notes), else its name in words (without the id Notion adds
    to every name: "Team Wiki 8a1b…e8f9").
    """
    folder_titles: dict[str, str] = {}
    beside: dict[str, str] = {}  # a page's path without its extension: the folder it may title
    for f in files:
        folder, _, name = f.document.path.rpartition("/")
        if name.rsplit(".", 1)[0].lower() in FOLDER_INDEX_NAMES:
            folder_titles[folder] = f.document.title
        beside[f.document.path.rsplit(".", 1)[0]] = f.document.title
    out = []
    for f in files:
        parts = f.document.path.split("/")[:-1]
        name = f.document.path.rsplit("/", 1)[-1].rsplit(".", 1)[0].lower()
        if name in FOLDER_INDEX_NAMES:
            parts = parts[:-1]
        crumbs = []
        for i in range(len(parts)):
            key = "/".join(parts[: i + 1])
            crumbs.append(folder_titles.get(key) or beside.get(key)
                          or name_in_words(without_export_id(parts[i])))
        out.append(dataclasses.replace(f, document=dataclasses.replace(f.document, breadcrumbs=tuple(crumbs)))
                   if crumbs else f)
    return out
