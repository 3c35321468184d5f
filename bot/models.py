"""Data that crosses module and platform boundaries: documents, sections, hits, replies.

Adapters only ever see `Reply` (and what it holds); the rest is the core's vocabulary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

SectionKind = Literal["intro", "heading", "item", "passage"]


@dataclass(frozen=True, slots=True)
class WikiLink:
    """An Obsidian `[[target#heading|alias]]` link as written in a document, or a Markdown
    link to another page of the folder (`[Setup](../setup.md)`, `markdown`: its target is the
    page's path from the folder's root). Both relate the two documents. An embed
    (`![[target]]`, `embed`) shows the target's text where it stands, as Obsidian does."""

    target: str
    heading: str = ""
    alias: str = ""
    markdown: bool = False
    embed: bool = False

    @property
    def display(self) -> str:
        return self.alias or (f"{self.target} › {self.heading}" if self.target and self.heading else self.target or self.heading)


@dataclass(frozen=True, slots=True)
class Document:
    """One Markdown file: its metadata and where it lives relative to the knowledge folder."""

    path: str  # relative to the knowledge folder, "/" separators
    title: str
    description: str = ""
    tags: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    date: str | None = None
    links: tuple[WikiLink, ...] = ()
    sha256: str = ""
    breadcrumbs: tuple[str, ...] = ()  # titles of the folders above it (doc sites: "Kubeflow Pipelines")


@dataclass(slots=True)
class Section:
    """A piece of a document that can answer a question on its own."""

    id: int
    doc: Document
    heading: str  # the section's own heading ("" for a document's intro)
    path: tuple[str, ...]  # heading path below the document title
    anchor: str
    text: str  # clean Markdown shown to users
    kind: SectionKind = "heading"
    depth: int = 0
    parent: int | None = None
    children: list[int] = field(default_factory=list)
    indexed: str | None = None  # the text the index reads, when not `text` (an embed's: only its name)

    @property
    def searchable(self) -> str:
        """The text its words are found in: `text`, but an embedded note's by name only."""
        return self.text if self.indexed is None else self.indexed

    @property
    def full_text(self) -> str:
        """The text with its own heading on top, as the section reads in its document."""
        return f"{self.heading}\n\n{self.text}" if self.kind == "heading" else self.text

    @property
    def heading_path(self) -> str:
        """`Best Practices › Prioritize Data Security`, or the document title for an intro."""
        return " › ".join(self.path) if self.path else self.doc.title


@dataclass(frozen=True, slots=True)
class Hit:
    """A ranked section for a query."""

    section: Section
    score: float


@dataclass(frozen=True, slots=True)
class Source:
    """Where part of an answer came from, in the words a user can follow."""

    title: str  # document title
    heading_path: str
    path: str  # document path relative to the knowledge folder
    anchor: str

    @property
    def label(self) -> str:
        if self.heading_path and self.heading_path != self.title:
            return f"{self.title} › {self.heading_path}"
        return self.title


@dataclass(frozen=True, slots=True)
class Reply:
    """What the assistant says, before any platform renders it.

    `body` is Markdown (bold, lists, links); each adapter converts it to its own markup.
    `related` are topics the user can ask next (adapters turn them into buttons);
    `suggestions` are the "did you mean" topics of a no-match reply.
    """

    title: str
    body: str
    sources: tuple[Source, ...] = ()
    related: tuple[str, ...] = ()
    intent: str | None = None
    no_match: bool = False
    suggestions: tuple[str, ...] = ()
    question: str = ""
    top_score: float = 0.0
