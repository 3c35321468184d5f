"""The daily digest, composed by the core: a trend, a figure, what's new, a question to try.

What counts as a trend or a figure is read from the knowledge and the intent catalog
(the section words of the intents with `role: trends` and `role: figures`, document tags
and titles, headings), never from a list written here, so a team's own notes get their own
digest.
Choosing today's items is a pure function of the history the store keeps (how often and
when each item was shown), so every instance composes the same digest for the same day.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Iterable

from .assistant import Assistant, source_of
from .compose import shorten
from .edition import Change, Digest, DigestItem, History, Kind  # re-exported: the records
from .models import Document, Section
from .sections import first_sentence, has_figures, is_navigation
from .text import word_stems

TREND_ROLE = "trends"  # the catalog intent with `role: trends` says what a trend is
FIGURE_ROLE = "figures"
TREND_TEXT_MAX = 600
WHATS_NEW_MAX = 5
class DigestComposer:
    """Finds the trend and figure candidates in one knowledge base and composes a day's digest."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self._parents = {s.parent for s in assistant.kb.sections if s.parent is not None}
        self.trends = self._candidates(TREND_ROLE, self._is_trend)
        self.figures = self._candidates(FIGURE_ROLE, self._is_figure)
        self.questions = self._good_questions()

    def compose(self, day: dt.date, history: History) -> Digest:
        kb = self.assistant.kb
        changes: list[Change] = []
        if history.snapshot is not None:
            changes = [c for d in kb.documents if (c := self._change(d, history.snapshot)) is not None]
            changes.sort(key=lambda c: (c.date or "", c.title), reverse=True)
        return Digest(
            day=day,
            trend=_next(self.trends, history, "trend"),
            figure=_next(self.figures, history, "figure"),
            whats_new=tuple(changes[:WHATS_NEW_MAX]),
            more_new=max(0, len(changes) - WHATS_NEW_MAX),
            first_edition=history.snapshot is None,
            try_asking=self.questions[day.toordinal() % len(self.questions)] if self.questions else None,
            documents=len(kb.documents),
        )

    def _change(self, doc: Document, snapshot: dict[str, str]) -> Change | None:
        before = snapshot.get(doc.path)
        if before == doc.sha256:
            return None
        sections = self.assistant.kb.doc_sections(doc)
        line = doc.description or (first_sentence(sections[0].text, 160) if sections else "")
        return Change(path=doc.path, title=doc.title, line=_SPACE.sub(" ", shorten(line, 160)[0]),
                      status="new" if before is None else "changed", date=doc.date)

    def snapshot(self) -> dict[str, tuple[str, str]]:
        """path -> (sha256, title) of every document now."""
        return {d.path: (d.sha256, d.title) for d in self.assistant.kb.documents}

    # -- what is a trend, what is a figure -------------------------------------------------

    def _intent_words(self, role: str) -> set[str]:
        """The section words and name of the catalog intent with this role (found by role, so
        renaming the intent keeps the digest)."""
        intent = self.assistant.catalog.with_role(role)
        if intent is None:
            return set()
        return {term for phrase in intent.sections for term in phrase} | set(word_stems(intent.id.replace("_", " ")))

    def _candidates(self, role: str, test: Any) -> list[DigestItem]:
        words = self._intent_words(role)
        if not words:
            return []
        kb = self.assistant.kb
        out = []
        for sec in kb.sections:
            if sec.kind not in ("heading", "item") or not sec.heading or is_navigation(sec.heading):
                continue
            parent = kb.sections[sec.parent] if sec.parent is not None else None
            if test(sec, parent, words):
                out.append(_item(sec))
        return out

    @staticmethod
    def _about(words: set[str], *texts: Iterable[str] | str) -> bool:
        for text in texts:
            pieces = [text] if isinstance(text, str) else list(text)
            if any(words & set(word_stems(p.replace("-", " "))) for p in pieces):
                return True
        return False

    def _is_trend(self, sec: Section, parent: Section | None, words: set[str]) -> bool:
        """A section under a heading about trends ("Emerging Trends" › …), or a top-level section
        of a document titled or tagged with the role's name ("Key Trends in …")."""
        if self._about(words, sec.heading) and sec.id in self._parents:
            return False  # "Key Trends" itself: the list, not a trend
        if len(sec.text) < 60:
            return False
        if parent is not None and parent.kind != "intro" and self._about(words, parent.heading):
            return True
        own_name = set(word_stems(TREND_ROLE))
        return sec.depth == 1 and sec.kind == "heading" and self._about(own_name, sec.doc.title, sec.doc.tags)

    def _is_figure(self, sec: Section, parent: Section | None, words: set[str]) -> bool:
        """A statement with a figure, in a document or under a heading about market figures; a
        heading whose figures are its list items gives way to the items."""
        if not has_figures(sec.text) or (sec.kind == "heading" and sec.id in self._parents):
            return False
        return self._about(words, sec.heading, sec.doc.title, sec.doc.tags) or (
            parent is not None and self._about(words, parent.heading))

    def _good_questions(self) -> list[str]:
        """Catalog examples the knowledge answers confidently, with a section of the kind they
        ask for (`Assistant.offers`): worth suggesting. A team's own
        notes may answer none of them (the catalog's are cloud + AI questions); then the
        knowledge's own topics it answers, most linked-to first."""
        examples = [example for intent in self.assistant.catalog.intents if not intent.answer
                    for example in intent.examples[:2]]
        out = [question for question in examples if self.assistant.offers(question)]
        return out or list(self.assistant.answered_topics)


_BOLD_LEAD = re.compile(r"^\s*[-*+]?\s*\*\*[^*]+\*\*:?\s*")


def _item(sec: Section) -> DigestItem:
    if sec.kind == "item":  # "- **$44.97 billion in 2022:** The market was…": the heading is the lead
        text = shorten(_BOLD_LEAD.sub("", sec.text, count=1), 300)[0]
    else:
        text = shorten(sec.text, TREND_TEXT_MAX)[0]
    key = f"{sec.doc.path}#{sec.anchor}" + (f"::{sec.heading}" if sec.kind == "item" else "")  # items share an anchor
    return DigestItem(key=key[:500], title=sec.heading, text=text, source=source_of(sec).label)


def _next(items: list[DigestItem], history: History, kind: Kind) -> DigestItem | None:
    """The least-shown item, longest unseen first: none repeats before all have been shown."""
    if not items:
        return None
    shown, last = history.shown[kind], history.last_shown[kind]
    order = {item.key: i for i, item in enumerate(items)}
    return min(items, key=lambda it: (shown[it.key], last.get(it.key, dt.date.min), order[it.key]))


_SPACE = re.compile(r"\s+")
