"""The intent catalog (config/intents.yaml): what kind of question this is, and what it changes.

Intents are matched on the question's terms after stemming and typo correction, so the
catalog is written once in plain words and still catches "best practises". An intent
never answers a question by itself (except help, greeting and topics, which are
generated): it steers retrieval with extra words and with the sections it prefers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .text import content_words, word_stems

Phrase = tuple[str, ...]


def phrase_terms(text: str) -> Phrase:
    """A phrase as the stems of all its words (stop words kept, so "how big" is not "big")."""
    return tuple(word_stems(text))


@dataclass(frozen=True, slots=True)
class Intent:
    id: str
    title: str
    description: str
    examples: tuple[str, ...] = ()
    phrases: tuple[Phrase, ...] = ()
    patterns: tuple[re.Pattern[str], ...] = ()
    expand: tuple[Phrase, ...] = ()
    sections: tuple[Phrase, ...] = ()
    prefer: str | None = None
    slots: dict[str, dict[str, tuple[Phrase, ...]]] = field(default_factory=dict)
    answer: str | None = None


@dataclass(frozen=True, slots=True)
class IntentMatch:
    """The intent of a question (or None), what it is about, and the slot values found."""

    intent: Intent | None
    topic: str = ""  # from a definition-style pattern: "what is <topic>"
    slots: dict[str, str] = field(default_factory=dict)
    slot_phrases: tuple[Phrase, ...] = ()

    @property
    def id(self) -> str | None:
        return self.intent.id if self.intent else None


class IntentCatalog:
    """Intents and synonym groups loaded from YAML."""

    def __init__(self, intents: list[Intent], synonyms: list[tuple[Phrase, ...]], bot_names: list[str],
                 words: frozenset[str] = frozenset()) -> None:
        self.intents = intents
        self.words = words  # every word the catalog uses, for typo correction
        self.by_id = {i.id: i for i in intents}
        self.synonyms: dict[Phrase, tuple[Phrase, ...]] = {}
        for group in synonyms:
            for member in group:
                self.synonyms[member] = tuple(p for p in group if p != member)
        # single words that stand for one another, for judging whether a section covers a word
        self._alternatives: dict[str, set[str]] = {}
        groups = [list(g) for g in synonyms]
        groups += [list(syns) for i in intents for values in i.slots.values() for syns in values.values()]
        for group in groups:
            singles = {p[0] for p in group if len(p) == 1}
            for t in singles:
                self._alternatives.setdefault(t, set()).update(singles - {t})
        names = sorted((re.escape(n.lower()) for n in bot_names), key=len, reverse=True)
        self._bot_prefix = re.compile(rf"^\s*@?(?:{'|'.join(names)})\b[\s,:;!-]*", re.IGNORECASE) if names else None

    @classmethod
    def load(cls, path: Path) -> "IntentCatalog":
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ValueError(f"cannot read intent catalog {path}: {exc}") from None
        intents = [_intent(raw) for raw in data.get("intents", [])]
        synonyms = [tuple(p for p in (phrase_terms(w) for w in group) if p) for group in data.get("synonyms", [])]
        words = frozenset(w for s in _strings_in(data) for w in content_words(s) if len(w) > 2)
        return cls(intents, synonyms, [str(n) for n in data.get("bot_names", [])], words)

    def strip_bot_name(self, text: str) -> str:
        """`cloudai best practices` asks about best practices, not about cloudai."""
        if self._bot_prefix is None:
            return text
        stripped = self._bot_prefix.sub("", text, count=1)
        return stripped if stripped.strip() else text

    def classify(self, text: str, query_terms: list[str]) -> IntentMatch:
        """`query_terms`: the question's word stems, stop words kept, typos corrected."""
        lowered = re.sub(r"\s+", " ", text.lower()).strip().rstrip("?!. ")
        lowered = lowered.replace("’", "'")
        for intent in self.intents:
            if intent.answer and any(p.match(lowered) for p in intent.patterns):
                return IntentMatch(intent)
        topic = ""
        definition: Intent | None = None
        for intent in self.intents:
            if intent.answer or not intent.patterns:
                continue
            for p in intent.patterns:
                m = p.match(lowered)
                if m:
                    topic = (m.groupdict().get("topic") or "").strip()
                    definition = intent
                    break
            if definition:
                break
        slots, slot_phrases = self._slots(query_terms)
        best: Intent | None = None
        best_len = 0
        for intent in self.intents:
            if intent.answer or not intent.phrases:
                continue
            n = max((len(p) for p in intent.phrases if _contains(query_terms, p)), default=0)
            if n > best_len:
                best, best_len = intent, n
        if best is None and slots:
            best = next((i for i in self.intents if i.slots and set(slots) <= set(i.slots)), None)
        chosen = best or definition
        if chosen is None:
            return IntentMatch(None, topic, slots, slot_phrases)
        return IntentMatch(chosen, topic, slots, slot_phrases)

    def _slots(self, query_terms: list[str]) -> tuple[dict[str, str], tuple[Phrase, ...]]:
        found: dict[str, str] = {}
        phrases: list[Phrase] = []
        for intent in self.intents:
            for slot, values in intent.slots.items():
                for value, syns in values.items():
                    if any(_contains(query_terms, s) for s in syns):
                        found.setdefault(slot, value)
                        if found[slot] == value:
                            phrases.extend(syns)
        return found, tuple(phrases)

    def alternatives(self, term: str) -> set[str]:
        """Other single words that mean the same as `term` ("financ" for "financi")."""
        return self._alternatives.get(term, set())

    def expansions(self, query_terms: list[str]) -> list[Phrase]:
        """Synonym-group members for every group member found in the question."""
        out: list[Phrase] = []
        for member, others in self.synonyms.items():
            if _contains(query_terms, member):
                out.extend(others)
        return out


def _strings_in(data: Any) -> list[str]:
    """All strings in a YAML tree except regular expressions (typo correction's word list)."""
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [s for k, v in data.items() if k != "patterns" for s in _strings_in(k) + _strings_in(v)]
    if isinstance(data, list):
        return [s for v in data for s in _strings_in(v)]
    return []


def _contains(seq: list[str], phrase: Phrase) -> bool:
    n = len(phrase)
    if n == 0 or n > len(seq):
        return False
    if n == 1:
        return phrase[0] in seq
    return any(tuple(seq[i:i + n]) == phrase for i in range(len(seq) - n + 1))


def _phrases(values: Any) -> tuple[Phrase, ...]:
    if not values:
        return ()
    return tuple(p for p in (phrase_terms(str(v)) for v in values) if p)


def _intent(raw: dict[str, Any]) -> Intent:
    if "id" not in raw:
        raise ValueError(f"intent without an id: {raw!r}")
    slots = {
        name: {value: _phrases(syns) for value, syns in (vals or {}).items()}
        for name, vals in (raw.get("slots") or {}).items()
    }
    return Intent(
        id=str(raw["id"]),
        title=str(raw.get("title", raw["id"])),
        description=str(raw.get("description", "")),
        examples=tuple(str(e) for e in raw.get("examples", [])),
        phrases=_phrases(raw.get("phrases")),
        patterns=tuple(re.compile(p) for p in raw.get("patterns", [])),
        expand=_phrases(raw.get("expand")),
        sections=_phrases(raw.get("sections")),
        prefer=raw.get("prefer"),
        slots=slots,
        answer=raw.get("answer"),
    )
