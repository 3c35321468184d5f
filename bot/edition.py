"""A digest edition as a record: what the store keeps and the adapters render.

Plain dataclasses and the standard library only, so the state store (and the commands that
only need it, `cloudai feedback`) load without the search stack; `bot.digest` composes them.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Literal

from .markdown import HARD_BREAK
from .wording import counted

Kind = Literal["trend", "figure"]


@dataclass(frozen=True, slots=True)
class DigestItem:
    """A trend or a figure: a heading, a short text and where it came from."""

    key: str  # stable across restarts: "path#anchor" (plus "::item" for a list item)
    title: str
    text: str  # Markdown
    source: str  # "Document › Heading"


@dataclass(frozen=True, slots=True)
class Change:
    """A document added or changed since the last digest."""

    path: str
    title: str
    line: str
    status: Literal["new", "changed"]
    date: str | None = None  # frontmatter date, when there is one


@dataclass(frozen=True, slots=True)
class Digest:
    """One day's digest, platform-neutral like `Reply`; adapters render it."""

    day: dt.date
    trend: DigestItem | None = None
    figure: DigestItem | None = None
    whats_new: tuple[Change, ...] = ()
    more_new: int = 0  # changes beyond the ones listed
    first_edition: bool = False  # nothing to compare against yet
    try_asking: str | None = None
    documents: int = 0

    @property
    def title(self) -> str:
        return f"cloudai digest · {self.day:%A %d %B %Y}".replace(" 0", " ")

    def to_markdown(self) -> str:
        """The digest as Markdown (terminal preview; adapters build their own layout)."""
        out = [f"# {self.title}", ""]
        for heading, part in self.parts():
            out += [f"## {heading}", "", part, ""]
        return "\n".join(out).rstrip() + "\n"

    def parts(self) -> list[tuple[str, str]]:
        """(heading, Markdown) for each part present, in reading order."""
        parts: list[tuple[str, str]] = []
        if self.trend:
            parts.append(("📈 Trend spotlight", f"**{self.trend.title}**{HARD_BREAK}{self.trend.text}{HARD_BREAK}_Source: "
                                                 f"{self.trend.source}_"))
        if self.figure:
            parts.append(("🔢 Figure of the day", f"**{self.figure.title}**: {self.figure.text}{HARD_BREAK}_Source: "
                                                   f"{self.figure.source}_"))
        if self.whats_new:
            lines = [f"- **{c.title}** ({c.status}{', ' + c.date if c.date else ''}): {c.line}"
                     for c in self.whats_new]
            if self.more_new:
                lines.append(f"- …and {self.more_new} more")
            parts.append(("🆕 What's new", "\n".join(lines)))
        elif self.first_edition:
            parts.append(("🆕 What's new", f"This is the first digest: the knowledge base holds "
                                           f"{counted(self.documents, 'document')}. Changes will be listed from tomorrow."))
        else:
            parts.append(("🆕 What's new", "No documents were added or changed since the last digest."))
        if self.try_asking:
            parts.append(("💬 Try asking", f"“{self.try_asking}”"))
        return parts

    def to_json(self) -> str:
        data = asdict(self)
        data["day"] = self.day.isoformat()
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "Digest":
        data = json.loads(text)
        return cls(
            day=dt.date.fromisoformat(data["day"]),
            trend=DigestItem(**data["trend"]) if data.get("trend") else None,
            figure=DigestItem(**data["figure"]) if data.get("figure") else None,
            whats_new=tuple(Change(**c) for c in data.get("whats_new", [])),
            more_new=data.get("more_new", 0),
            first_edition=data.get("first_edition", False),
            try_asking=data.get("try_asking"),
            documents=data.get("documents", 0),
        )


@dataclass
class History:
    """What earlier digests showed, as the store keeps it: for rotation and for what's new."""

    shown: dict[Kind, Counter[str]] = field(default_factory=lambda: {"trend": Counter(), "figure": Counter()})
    last_shown: dict[Kind, dict[str, dt.date]] = field(default_factory=lambda: {"trend": {}, "figure": {}})
    snapshot: dict[str, str] | None = None  # path -> sha256 at the last digest; None before the first
