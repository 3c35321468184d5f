"""How common is a word in English? What keeps typo correction to typos, and off-topic
questions unanswered.

A question word the loaded knowledge has never seen is either a typo ("helthcare") or a real
word the documents happen not to use ("tire", "moon", "breakfast"). Edit distance alone
cannot tell them apart, and in a corpus of thousands of sections nearly every everyday word
is one edit from some indexed word: "tire" became "time", "moon" "mood", "egg" "ego",
"breakfast" "break fast". Those rewrites are wrong answers to the user ("did you mean
time?") and false evidence for answering an off-topic question at all.

A word the knowledge does use may still be one it uses no more than English does: "store",
"close", "play" in a machine-learning corpus. A question made only of such words ("what time
does the store close") is not about the knowledge (ranking.Params.min_keyness).

The reference is pyspellchecker's English word list (MIT; ~160,000 words, each with how
often it occurs). Building it takes ~0.3 s, so the first process on a machine keeps the
counts in the user's cache folder (bot/cache.py) in a form the next ones read in a few
milliseconds and search by bisection.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import importlib.util
import struct
from array import array
from dataclasses import dataclass
from pathlib import Path

from .cache import cache_dir, remembered

# A word counted this often in pyspellchecker's list is common English (about the 19,000 most
# common words): "tire" (16,487), "instance" (3,871). Rarer listed words are still read as
# typos or other forms, the way people mean them: "practises" (228) as "practices",
# "compliant" (403) as "compliance".
COMMON_WORD_MIN_COUNT = 1000
_MAGIC = b"cloudai english counts 2\n"
_HEADER = struct.Struct("<QQ")  # how many words, and all their counts together


@dataclass(frozen=True, slots=True)
class WordCounts:
    """English words and how often each occurs, in the form the cache file holds: the words'
    UTF-8 bytes one after another, in order (byte order is code point order), where each
    starts, and the counts. Looked up by bisection; nothing is built per word when read."""

    blob: bytes
    starts: array  # unsigned 32-bit: where word i starts in `blob`, and (last) where the blob ends
    counts: array  # unsigned 64-bit: per word
    total: int

    @classmethod
    def of(cls, counted: dict[str, int]) -> "WordCounts":
        words = sorted(counted)
        encoded = [w.encode("utf-8") for w in words]
        starts = array("I", [0])
        for word in encoded:
            starts.append(starts[-1] + len(word))
        counts = array("Q", (counted[w] for w in words))
        return cls(b"".join(encoded), starts, counts, sum(counts))

    def get(self, word: str) -> int:
        key, blob, starts = word.encode("utf-8"), self.blob, self.starts

        def word_at(i: int) -> bytes:
            return blob[starts[i]:starts[i + 1]]

        at = bisect.bisect_left(range(len(self.counts)), key, key=word_at)
        return self.counts[at] if at < len(self.counts) and word_at(at) == key else 0

    def to_bytes(self) -> bytes:
        return b"".join((_MAGIC, _HEADER.pack(len(self.counts), self.total), self.counts.tobytes(),
                         self.starts.tobytes(), self.blob))

    @classmethod
    def from_bytes(cls, data: bytes) -> "WordCounts | None":
        """The counts written by `to_bytes`; None for anything else (a partial or foreign file)."""
        at = len(_MAGIC) + _HEADER.size
        if not data.startswith(_MAGIC) or len(data) < at:
            return None
        n, total = _HEADER.unpack_from(data, len(_MAGIC))
        counts, starts = array("Q"), array("I")
        blob_at = at + n * counts.itemsize + (n + 1) * starts.itemsize
        if n < 1 or len(data) < blob_at:
            return None
        counts.frombytes(data[at:at + n * counts.itemsize])
        starts.frombytes(data[at + n * counts.itemsize:blob_at])
        blob = data[blob_at:]
        return cls(blob, starts, counts, total) if starts[0] == 0 and starts[-1] == len(blob) else None


@functools.cache
def _counts() -> WordCounts:
    """The word counts: from the cache when it holds this word list's, else built (and kept)."""
    return remembered(_kept(), WordCounts.from_bytes, _built, WordCounts.to_bytes)


def _built() -> WordCounts:
    from spellchecker import SpellChecker  # ~0.3 s to load: once a machine, when the cache is empty

    return WordCounts.of(SpellChecker(language="en", distance=1).word_frequency.dictionary)


def _kept() -> Path | None:
    """Where this installation's word counts are kept: named by the word list file's path,
    size and time (a new pyspellchecker, new counts); None when there is no cache or list."""
    folder, spec = cache_dir(), importlib.util.find_spec("spellchecker")
    if folder is None or spec is None or spec.origin is None:
        return None
    source = Path(spec.origin).parent / "resources" / "en.json.gz"
    try:
        stat = source.stat()
    except OSError:
        return None
    key = hashlib.sha256(f"{source}\n{stat.st_size}\n{stat.st_mtime_ns}".encode()).hexdigest()[:40]
    return folder / f"english-{key}.bin"


def is_common_word(word: str) -> bool:
    """True for an everyday English word (lower-case `word`): never a typo of another."""
    return _counts().get(word) >= COMMON_WORD_MIN_COUNT


def is_english_word(word: str) -> bool:
    """True for any word of the list, however rare (lower-case `word`): "typographic" is one
    word, not "typo" and "graphic" run together."""
    return _counts().get(word) > 0


def english_share(word: str) -> float:
    """How often lower-case `word` occurs in English, as a share of all words counted (a word
    the list lacks counts once: never zero). A possessive counts as its word."""
    counts = _counts()
    count = counts.get(word) or counts.get(word.removesuffix("'s"))
    return (count + 1) / counts.total
