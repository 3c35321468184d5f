"""Reading a question in the light of the one before it: "and in finance?", "tell me more".

People in a thread ask the way they talk: a short question that leans on the previous one
means "the same, but…". The rule is small and general, and written down here:

A question **leans on** the previous one (asked in the same conversation, within the
follow-up window) when it is short (at most MAX_WORDS words), is not itself help, a
greeting or the topics list, and

1. starts with a continuation: "and", "also", "plus", "what about", "how about", "same";
2. or starts with a preposition: a fragment such as "in finance?" or "by 2027?";
3. or points back with a pronoun ("why is that?", "how does it work?") and names at most
   one thing;
4. or names nothing beyond a slot value (an industry, …): "why?", "finance?". A word the
   index does not know still names something (a typo, a product the documents never
   mention): such a question is answered on its own, honestly, rather than bent towards
   the previous topic.

A leaning question is combined with the previous one, word for word:

- it fills a slot the previous question filled ("use cases in healthcare" → "and in
  finance?"): the previous question with the old value swapped for the new one;
- it names something new after a question about a slot value ("use cases in healthcare"
  → "what about the risks?"): the new words plus the previous question's subject (its
  words but the intent's phrase that matched: "the risks in healthcare");
- it names something new otherwise ("key trends" → "and by 2027?"): the whole previous
  question plus the new words;
- it names nothing new ("why?"): the previous question, plus what was typed.

"Tell me more" (and "more", "go on", "continue", "what else", "next") is not searched at
all: it is answered with the next part of the previous answer's top section (its next
passage; an overview's first section; else the section it is part of, its parent).
Everything else stands on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Literal

from .retriever import clean_question
from .sections import is_navigation, next_passage
from .text import content_words, stem, words

if TYPE_CHECKING:
    from .context import Context
    from .knowledge import KnowledgeBase
    from .models import Section
    from .retriever import Query

MAX_WORDS = 6
LEAD_INS: tuple[tuple[str, ...], ...] = (
    ("and", "what", "about"), ("and", "how", "about"), ("what", "about"), ("how", "about"),
    ("and", "also"), ("and",), ("also",), ("plus",), ("same",),
)
PREPOSITIONS = frozenset({"in", "for", "by", "on", "at", "with", "within", "during", "under", "over", "before",
                          "after", "across", "about", "from", "to", "versus", "vs"})
BACK_REFERENCES = frozenset({"it", "that", "this", "they", "them", "those", "these", "there", "its"})
MORE: frozenset[tuple[str, ...]] = frozenset({
    ("tell", "me", "more"), ("more",), ("go", "on"), ("continue",), ("keep", "going"), ("what", "else"),
    ("anything", "else"), ("next",), ("say", "more"), ("more", "details"), ("more", "detail"),
})
POLITE = frozenset({"please", "pls", "ok", "okay", "so", "can", "could", "would", "you"})
MORE_TAILS: frozenset[tuple[str, ...]] = frozenset({
    (), ("about", "it"), ("about", "that"), ("about", "this"), ("about", "them"), ("on", "that"), ("on", "this"),
})
ANSWERS_ALONE = frozenset({"help", "greeting", "topics"})  # intents answered without a search


@dataclass(frozen=True, slots=True)
class Reading:
    """How to answer a question: on its own, combined with the previous one, or "more"."""

    kind: Literal["new", "followup", "more"]
    text: str  # the question to answer (for "more", the previous question)


def read(text: str, previous: "Context | None", analyse: "Callable[[str], Query]") -> Reading:
    """Apply the rule above; `analyse` is the retriever's (which words the index knows)."""
    if previous is None:
        return Reading("new", text)
    typed = words(clean_question(text))  # without mention markup: "<@U123> and in finance?"
    if not typed or len(typed) > MAX_WORDS:
        return Reading("new", text)
    if _asks_for_more(typed):
        return Reading("more", previous.question)
    lead = next((p for p in LEAD_INS if tuple(typed[:len(p)]) == p), ())
    rest = typed[len(lead):]
    new = analyse(" ".join(rest)) if rest else None
    if new is not None and new.intent.intent is not None and new.intent.intent.answer in ANSWERS_ALONE:
        return Reading("new", text)
    slot_words = _stems(new.intent.slot_phrases) if new is not None else set()
    named = [w for w in (new.words if new is not None else []) if stem(w.word) not in slot_words]
    leans = (bool(lead) or (bool(rest) and rest[0] in PREPOSITIONS)
             or (bool(BACK_REFERENCES.intersection(rest)) and len(named) <= 1) or not named)
    if not leans:
        return Reading("new", text)
    return Reading("followup", combine(rest, new, analyse(previous.question)))


def combine(rest: list[str], new: "Query | None", previous: "Query") -> str:
    """The previous question and the leaning one as one question (see the module's rule)."""
    before = words(previous.cleaned)
    if new is not None and set(new.intent.slots) & set(previous.intent.slots):
        swapped = _stems(previous.intent.slot_phrases)
        combined = [w for w in before if stem(w) not in swapped] + rest
    elif new is not None and previous.intent.slots and any(w.known for w in new.words):
        intent = previous.intent.intent
        aspect = _matched(before, intent.phrases) if intent is not None else set()
        subject = [w for i, w in enumerate(before) if i not in aspect]
        combined = rest + subject if aspect and content_words(" ".join(subject)) else before + rest
    else:
        combined = before + rest
    out: list[str] = []
    for w in combined:  # "use cases in" + "in finance": one "in"
        if not out or out[-1] != w:
            out.append(w)
    return " ".join(out)


def _stems(phrases: "tuple[tuple[str, ...], ...]") -> set[str]:
    return {t for phrase in phrases for t in phrase}


def _matched(typed: list[str], phrases: "tuple[tuple[str, ...], ...]") -> set[int]:
    """Positions of `typed` where one of `phrases` (stems) occurs, word after word."""
    stems = [stem(w) for w in typed]
    out: set[int] = set()
    for phrase in phrases:
        for i in range(len(stems) - len(phrase) + 1):
            if tuple(stems[i:i + len(phrase)]) == phrase:
                out.update(range(i, i + len(phrase)))
    return out


def _asks_for_more(typed: list[str]) -> bool:
    core = [w for w in typed if w not in POLITE]
    if core[:1] == ["and"]:
        core = core[1:]
    return any(tuple(core[:len(m)]) == m and tuple(core[len(m):]) in MORE_TAILS for m in MORE)


def next_part(kb: "KnowledgeBase", path: str, heading_path: str, anchor: str = "") -> "Section | None":
    """The next part of a previous answer: the next passage of a section cut into passages;
    for an overview, its first section; else the section it belongs to (its parent), which
    says what it is part of. Never a list item already shown, nor navigation."""
    current = _located(kb, path, heading_path, anchor)[1]
    if current is None:
        return None
    following = next_passage(kb.sections, current)  # the next passage of the same section
    if following is not None:
        return following
    head = current.parent if current.kind == "passage" and current.parent is not None else current.id
    if current.kind != "passage":
        for cid in current.children:  # an overview goes on with its first section
            child = kb.sections[cid]
            if child.kind != "item" and not is_navigation(child.heading) and child.text not in current.text:
                return child
    parent = kb.sections[head].parent if current.kind == "passage" else current.parent
    return kb.sections[parent] if parent is not None else None


def following_section(kb: "KnowledgeBase", path: str, heading_path: str, anchor: str = "") -> "Section | None":
    """The section after this one in its document (not a list item, not navigation): where
    reading goes on once what `next_part` offers has been shown."""
    sections, current = _located(kb, path, heading_path, anchor)
    if current is None:
        return None
    return next((s for s in sections if s.id > current.id and s.kind != "item" and not is_navigation(s.heading)),
                None)


def _located(kb: "KnowledgeBase", path: str, heading_path: str, anchor: str) -> "tuple[list[Section], Section | None]":
    """A document's sections, and the one a reply cited (by heading path and anchor)."""
    sections = [s for s in kb.sections if s.doc.path == path]
    current = (next((s for s in sections if s.heading_path == heading_path and s.anchor == anchor), None)
               or next((s for s in sections if s.heading_path == heading_path), None))
    return sections, current
