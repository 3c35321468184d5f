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
from typing import Any, Generic, TypeVar

from .catalog_file import validated_catalog
from .text import word_stems

Phrase = tuple[str, ...]
T = TypeVar("T")


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
    requires: str | None = None  # what a section must hold to answer: "prices" (else the question is declined)
    slots: dict[str, dict[str, tuple[Phrase, ...]]] = field(default_factory=dict)
    answer: str | None = None
    role: str | None = None  # what the digest takes from this intent: "trends" or "figures"
    # the stems of its phrases: words that only name the kind of answer asked for ("trends",
    # "use cases"), which count for answering, never against it (bot/ranking.py)
    own_words: frozenset[str] = field(init=False, default=frozenset())

    def __post_init__(self) -> None:
        object.__setattr__(self, "own_words", frozenset(t for phrase in self.phrases for t in phrase))


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


class _ByFirstWord(Generic[T]):
    """Entries, each with its phrases, found by a question's words: only the entries with a
    phrase that begins with one of the words are returned (in their order), so a question is
    checked against a handful of phrases instead of the whole catalog."""

    def __init__(self, entries: list[tuple[T, tuple[Phrase, ...]]]) -> None:
        self._entries = entries
        self._by_first: dict[str, set[int]] = {}
        for number, (_, phrases) in enumerate(entries):
            for phrase in phrases:
                if phrase:
                    self._by_first.setdefault(phrase[0], set()).add(number)

    def started(self, words: list[str]) -> list[tuple[T, tuple[Phrase, ...]]]:
        numbers: set[int] = set()
        for word in set(words):
            numbers.update(self._by_first.get(word, ()))
        return [self._entries[n] for n in sorted(numbers)]


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
        groups: list[list[Phrase]] = [list(g) for g in synonyms]
        groups += [list(syns) for i in intents for values in i.slots.values() for syns in values.values()]
        for members in groups:
            singles = {p[0] for p in members if len(p) == 1}
            for t in singles:
                self._alternatives.setdefault(t, set()).update(singles - {t})
        names = sorted((re.escape(n.lower()) for n in bot_names), key=len, reverse=True)
        # what a question's words are matched against, each found by the words its phrases begin with
        self._slot_index = _ByFirstWord([((slot, value), syns) for intent in intents
                                         for slot, values in intent.slots.items() for value, syns in values.items()])
        self._synonym_index = _ByFirstWord([(member, (member,)) for member in self.synonyms])
        self._intent_index = _ByFirstWord([(i, i.phrases) for i in intents if not i.answer and i.phrases])
        self._bot_prefix = re.compile(rf"^\s*@?(?:{'|'.join(names)})\b[\s,:;!-]*", re.IGNORECASE) if names else None

    @classmethod
    def load(cls, path: Path) -> "IntentCatalog":
        """Read and validate a catalog file; any problem is a ValueError of one line naming
        the file and line (`config/intents.yaml:87: intent 'trends': unknown key 'prefers'`)."""
        catalog = validated_catalog(path)
        intents = [_intent(raw) for raw in catalog["intents"]]
        synonyms = [tuple(p for p in (phrase_terms(w) for w in group) if p) for group in catalog["synonyms"]]
        return cls(intents, synonyms, list(catalog["bot_names"]), frozenset(catalog["words"]))

    def with_role(self, role: str) -> Intent | None:
        """The intent with `role:` set to `role` ("trends", "figures"), if any."""
        return next((i for i in self.intents if i.role == role), None)

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
        for intent, phrases in self._intent_index.started(query_terms):
            n = max((len(p) for p in phrases if _contains(query_terms, p)), default=0)
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
        for (slot, value), syns in self._slot_index.started(query_terms):
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
        for member, _ in self._synonym_index.started(query_terms):
            if _contains(query_terms, member):
                out.extend(self.synonyms[member])
        return out


def _contains(seq: list[str], phrase: Phrase) -> bool:
    n = len(phrase)
    if n == 0 or n > len(seq):
        return False
    if n == 1 or phrase[0] not in seq or phrase[-1] not in seq:  # most phrases fail here, in C
        return n == 1 and phrase[0] in seq
    return any(tuple(seq[i:i + n]) == phrase for i in range(len(seq) - n + 1))


def _phrases(values: Any) -> tuple[Phrase, ...]:
    if not values:
        return ()
    return tuple(p for p in (phrase_terms(str(v)) for v in values) if p)


def _intent(raw: dict[str, Any]) -> Intent:
    """The validated catalog entry (bot/catalog_schema.py's IntentSchema, dumped) as the
    dataclass the rest of the code reads."""
    return Intent(
        id=raw["id"],
        title=raw["title"] if raw["title"] is not None else raw["id"],
        description=raw["description"],
        examples=tuple(raw["examples"]),
        phrases=_phrases(raw["phrases"]),
        patterns=tuple(re.compile(p) for p in raw["patterns"]),
        expand=_phrases(raw["expand"]),
        sections=_phrases(raw["sections"]),
        prefer=raw["prefer"],
        requires=raw["requires"],
        slots={name: {value: _phrases(syns) for value, syns in vals.items()} for name, vals in raw["slots"].items()},
        answer=raw["answer"],
        role=raw["role"],
    )
