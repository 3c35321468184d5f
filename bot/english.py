"""Is a word common English? What keeps typo correction to typos.

A question word the loaded knowledge has never seen is either a typo ("helthcare") or a real
word the documents happen not to use ("tire", "moon", "breakfast"). Edit distance alone
cannot tell them apart, and in a corpus of thousands of sections nearly every everyday word
is one edit from some indexed word: "tire" became "time", "moon" "mood", "egg" "ego",
"breakfast" "break fast". Those rewrites are wrong answers to the user ("did you mean
time?") and false evidence for answering an off-topic question at all.

The reference is pyspellchecker's English word list (MIT; ~160,000 words, each with how
often it occurs), loaded once per process and only when a question holds a word the index
does not know.
"""

from __future__ import annotations

import functools

# A word counted this often in pyspellchecker's list is common English (about the 19,000 most
# common words): "tire" (16,487), "instance" (3,871). Rarer listed words are still read as
# typos or other forms, the way people mean them: "practises" (228) as "practices",
# "compliant" (403) as "compliance".
COMMON_WORD_MIN_COUNT = 1000


@functools.cache
def _counts() -> dict[str, int]:
    from spellchecker import SpellChecker  # ~0.3 s to load: only when a question needs it

    return SpellChecker(language="en", distance=1).word_frequency.dictionary


def is_common_word(word: str) -> bool:
    """True for an everyday English word (lower-case `word`): never a typo of another."""
    return _counts().get(word, 0) >= COMMON_WORD_MIN_COUNT
