"""Does a section define the term a "what is X" question asks about?

Documentation defines a term in a few set ways near the start of the section that is about
it: "An *inference pipeline* is a …", "This practice is known as shadow testing",
"*Annotation consolidation* combines …", "Kale (Kubeflow Automated pipeLines Engine) turns
…". A section that only mentions the term ("To troubleshoot inference pipeline issues, …")
does not. These are forms of English prose, not of one corpus, and they give the ranking a
feature (`defines`) that tells the defining section from its many namesakes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .text import Analyser, stem_prefix

OPENING_CHARS = 500  # a definition comes early in the section that gives it
HEAD_WORDS = 2  # the term is the last words of the topic before any preposition ("trial" in "trial in katib")
_QUALIFIER = frozenset({"in", "of", "for", "on", "with", "at", "from", "to", "by", "between", "vs", "versus",
                        "when", "if", "and", "or"})
_VERB = r"(?:is|are|refers\s+to|means|stands\s+for|describes|represents|denotes|involves|consists\s+of)"
_NAMING_PHRASES = ("known as", "called", "referred to as", "termed")
_NAMING = "(?:" + "|".join(p.replace(" ", r"\s+") for p in _NAMING_PHRASES) + ")"
_NAMING_WORDS = tuple(p.split()[0] for p in _NAMING_PHRASES)  # a naming form needs one of these
# up to two words before the term ("An", "Amazon SageMaker"), neither a qualifier: "**Logs of X**"
# (a list item's label) is about something of X, not X
_LEAD = r"(?:(?!(?:" + "|".join(sorted(_QUALIFIER)) + r")\s)[\w-]+\s+){0,2}"
_MARK = r"[*_`]{0,3}"  # emphasis (or code) around the term
_EMPHASIS = r"[*_`]{1,3}"
# the rest of a term's word after the part it shares with its stem ("pipelin|es"), never a
# new capitalised word: `trialParameters` is another name than "trial" ("AIaaS" keeps its S)
_REST = r"(?:(?-i:(?![A-Z][a-z]))\w)*"


def term_words(topic: str, content: Callable[[str], Sequence[str]]) -> list[str]:
    """The defined term's words: the topic's content words before its first qualifier,
    the last HEAD_WORDS of them ("sagemaker model dashboard" -> model, dashboard)."""
    kept: list[str] = []
    for word in topic.lower().split():
        if word.strip("?!.,") in _QUALIFIER:
            break
        kept.append(word)
    return list(content(" ".join(kept)))[-HEAD_WORDS:]


@dataclass(frozen=True, slots=True)
class TermPattern:
    """The defining forms of one term, each its own pattern. One alternation of all four was
    tried at every position of every opening (about 0.1 ms a section, most of a "what is"
    question's time on a large corpus). Apart, each form starts with what it must start with
    (the term, an emphasis mark, a sentence's end), so the regex engine skips ahead to where
    it could match, and a form is tried only when the opening holds the characters it needs:
    about a third of the time, with the same answers."""

    first: str  # the lower-case start of the term's first word: a text without it cannot match
    stated: re.Pattern[str]  # "X is …", "X (…) means …"
    emphasised: re.Pattern[str]  # emphasised where it is introduced ("**X:** …")
    named: re.Pattern[str]  # "known as X"
    expanded: re.Pattern[str]  # "X (expansion) …" at the text's start (matched there)...
    expanded_later: re.Pattern[str]  # ... or opening a later sentence


def defining_forms(prefixes: Sequence[str]) -> TermPattern | None:
    """The patterns finding the term (each word by its `prefixes`, the part it shares with its
    stem) in each defining form; None without words."""
    words = [re.escape(p) + _REST for p in prefixes if p]
    if not words:
        return None
    joiner = r"[\s*_-]+"
    term = r"(?<![^\W_])" + joiner.join(words)  # at a word's start ("_Trial_" too)
    head = re.escape(prefixes[0])  # the same term led by its first letters, checked after them
    led = head + r"(?<![^\W_]" + head + ")" + _REST + "".join(joiner + w for w in words[1:])
    emphasis = r"[*_`](?<!\w[*_`])[*_`]{0,2}"  # `(?<!\w)` + _EMPHASIS, led by a mark
    expanded = _MARK + _LEAD + term + _MARK + r"\s*\("

    def compiled(pattern: str) -> re.Pattern[str]:
        return re.compile(pattern, re.IGNORECASE)

    return TermPattern(
        first=prefixes[0].lower(),
        stated=compiled(led + r"[*_`)]*\s+(?:\([^)]{0,100}\)\s+)?" + _VERB + r"\b"),
        emphasised=compiled(emphasis + _LEAD + term + r":?" + _EMPHASIS),
        named=compiled(_NAMING + r"\s+(?:an?\s+|the\s+)?" + _MARK + _LEAD + term),
        expanded=compiled(expanded),
        expanded_later=compiled(r"[.!?:]\s+" + expanded),
    )


def term_pattern(topic: str, analyser: Analyser) -> TermPattern | None:
    """The defining pattern for the term of a "what is <topic>" question, each word found by
    the part it shares with its stem ("testing" by "test")."""
    prefixes = [p for w in term_words(topic, analyser.content_words) if (p := stem_prefix(w, analyser.term_of(w) or w))]
    return defining_forms(prefixes)


def defines(text: str, term: TermPattern) -> bool:
    """Whether the opening of a section's Markdown `text` defines the term."""
    opening = text[:OPENING_CHARS].replace("\\", "")
    lower = opening.lower()
    if term.first not in lower:
        return False
    return (term.stated.search(opening) is not None
            or (("*" in opening or "_" in opening or "`" in opening) and term.emphasised.search(opening) is not None)
            or (any(word in lower for word in _NAMING_WORDS) and term.named.search(opening) is not None)
            or ("(" in opening and (term.expanded.match(opening) is not None
                                    or term.expanded_later.search(opening) is not None)))
