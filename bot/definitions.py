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
_NAMING = r"(?:known\s+as|called|referred\s+to\s+as|termed)"
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


def defining_pattern(prefixes: Sequence[str]) -> re.Pattern[str] | None:
    """A pattern finding the term (each word by its `prefixes`, the part it shares with its
    stem) in one of the defining forms; None without words."""
    words = [re.escape(p) + _REST for p in prefixes if p]
    if not words:
        return None
    term = r"(?<![^\W_])" + r"[\s*_-]+".join(words)  # at a word's start ("_Trial_" too)
    forms = (
        r"(?<!\w)" + _EMPHASIS + _LEAD + term + r":?" + _EMPHASIS,  # emphasised where it is introduced ("**X:** …")
        term + r"[*_`)]*\s+(?:\([^)]{0,100}\)\s+)?" + _VERB + r"\b",  # "X is …", "X (…) means …"
        _NAMING + r"\s+(?:an?\s+|the\s+)?" + _MARK + _LEAD + term,  # "known as X"
        r"(?:^|[.!?:]\s+)" + _MARK + _LEAD + term + _MARK + r"\s*\(",  # "X (expansion) …" opening a sentence
    )
    return re.compile("|".join(f"(?:{f})" for f in forms), re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class TermPattern:
    """A defining pattern, with the lower-case start of the term's first word: a text that
    lacks it cannot match, and checking that first spares most candidates the pattern's
    search (its alternatives are tried at every position: about 0.1 ms a section)."""

    first: str
    pattern: re.Pattern[str]


def term_pattern(topic: str, analyser: Analyser) -> TermPattern | None:
    """The defining pattern for the term of a "what is <topic>" question, each word found by
    the part it shares with its stem ("testing" by "test")."""
    prefixes = [p for w in term_words(topic, analyser.content_words) if (p := stem_prefix(w, analyser.term_of(w) or w))]
    pattern = defining_pattern(prefixes)
    return TermPattern(prefixes[0].lower(), pattern) if pattern is not None else None


def defines(text: str, term: TermPattern) -> bool:
    """Whether the opening of a section's Markdown `text` defines the term."""
    opening = text[:OPENING_CHARS].replace("\\", "")
    return term.first in opening.lower() and term.pattern.search(opening) is not None
