"""Tokenising, stop words and stemming shared by the index, the intents and the query.

One `Analyser` turns text into index terms so that the documents, the intent catalog and
the user's question always agree on what a "term" is. It remembers each distinct surface
word's term (what makes indexing a 10,000-section corpus fast), and it belongs to one
knowledge base: a reload builds a new one, so nothing a process has read before changes
how it reads a question. Stemmers are not shared between threads (one per thread).
The module-level functions compute the same terms without remembering anything. Text in
other scripts is folded first (`fold`): accents dropped, CJK read as character pairs.
"""

from __future__ import annotations

import re
import threading
import unicodedata

import Stemmer

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_CAMEL_WORD = re.compile(r"[A-Za-z]*[a-z][A-Z][A-Za-z0-9]*|[A-Z]{2,}[a-z][A-Za-z0-9]*")
_CAMEL_PART = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|[0-9]+")
_STEMMERS = threading.local()  # one Snowball stemmer per thread: a stemmer is not thread-safe

# A compact English stop list plus the words people wrap a chat question in.
STOP_WORDS: frozenset[str] = frozenset(
    """
    a about above after again against all also am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do does
    doesn't doing don't down during each either else etc ever few for from further get gets
    getting got had hadn't has hasn't have haven't having he her here here's hers herself him
    himself his how how's however i i'd i'll i'm i've if in into is isn't it it's its itself
    just let's like may me might more most much must mustn't my myself need needs no nor not
    now of off on once only or other ought our ours ourselves out over own please per quite
    rather really same shall shan't she should shouldn't so some such than that that's the
    their theirs them themselves then there there's these they they'd they'll they're they've
    this those through thus to too under until up upon us use used using very via want was
    wasn't we we'd we'll we're we've were weren't what what's whats when when's where where's
    whether which while who who's whom why why's will with within without won't would
    wouldn't yet you you'd you'll you're you've your yours yourself yourselves
    tell show explain give know let say something anything thing things way ways anyone
    pls plz thx thanks lol btw imo tbh rn yo hey ok okay guys folks stuff kinda sorta gonna wanna vs versus
    happen happens happened happening
    """.split()
)


# Words that pick among what is asked rather than name it ("top trends", "latest release",
# "common errors"): they still rank the sections that use them, but what the question is
# about, and so whether the knowledge covers it, is the rest of the question (retriever;
# which also reads the word after "how" so: "how big is the market" asks about the market).
MODIFIERS: frozenset[str] = frozenset(
    "top latest newest new recent current main major biggest common important popular typical upcoming".split()
)


def _stemmer() -> "Stemmer.Stemmer":
    got = getattr(_STEMMERS, "english", None)
    if got is None:
        got = _STEMMERS.english = Stemmer.Stemmer("english")
    return got


def stem(word: str) -> str:
    """Snowball-stem one lower-case word."""
    return _stemmer().stemWord(word)


def _term_of(word: str) -> str:
    if word in STOP_WORDS:
        return ""
    if word.endswith("'s"):
        word = word[:-2]
    word = word.replace("'", "")
    if not word or word in STOP_WORDS:
        return ""
    return stem(word)


def _normalise(text: str) -> str:
    return fold(text).lower().replace("’", "'")


# Chinese, Japanese and Korean are written without spaces between words: a run of their
# characters is read as its overlapping pairs (what search engines do without a dictionary),
# each written as one ASCII token ("模型部署" is "模型", "型部", "部署"), so the index and the
# question cut it alike
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"  # kana, hanzi/kanji, hangul
_LATIN_ACCENTED = "\u00c0-\u024f\u1e00-\u1eff"  # Latin letters with diacritics
_CJK_RUN = re.compile(f"[{_CJK}]+")
_CJK_TOKEN = re.compile(r"x(?:[0-9a-f]{5})+x")
_ACCENTED = re.compile(f"[{_LATIN_ACCENTED}]")
_COMBINING = re.compile(r"[\u0300-\u036f]")
_VERSION = re.compile(r"(?<![\w.])v?(\d{1,4}(?:\.\d{1,4}){1,3})(?!\w|\.\w)")  # not an IP's or a file's start
_VERSION_TOKEN = re.compile(r"ver\d{1,4}(?:d\d{1,4}){1,3}")
_FOLDABLE = re.compile(f"[{_LATIN_ACCENTED}{_CJK}]")


def fold(text: str) -> str:
    """`text` as the tokenizer reads it: accents folded ("déploiement" is "deploiement", so
    "modele" finds "modèle"), and CJK runs as the tokens of their character pairs (see
    `_CJK_RUN`). ASCII text is returned as it is, at the cost of one check."""
    if text.isascii():
        return text
    found = _FOLDABLE.search(text)  # (one search: most documents' non-ASCII is punctuation)
    if found is None:
        return text
    if _CJK_RUN.search(text, found.start()) is not None:
        text = _CJK_RUN.sub(_cjk_pairs, text)
    if _ACCENTED.search(text) is not None:
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    return text


def _cjk_pairs(m: re.Match[str]) -> str:
    codes = [_HEX.get(c) or _HEX.setdefault(c, f"{ord(c):05x}") for c in m.group()]
    if len(codes) == 1:
        return f" x{codes[0]}x "
    return " " + " ".join([f"x{a}{b}x" for a, b in zip(codes, codes[1:])]) + " "


_HEX: dict[str, str] = {}  # a CJK character's code as `_cjk_pairs` writes it (a few thousand in use)


def with_versions(text: str) -> str:
    """`text` with each version number in it ("1.9.2", "v3.12", "0.88") also written as one
    token ("ver1d9d2"): the tokenizer cuts a version into its digits, so "what changed in
    1.9.2" could not find the heading "1.9.2 - 2024-01-21". Headings (and the headings above
    a section) and questions carry them; a body's versions stay digits."""
    if "." not in text:
        return text
    found = _VERSION.findall(text)
    return text + "".join(f" ver{version.replace('.', 'd')}" for version in found) if found else text


def is_version_token(word: str) -> bool:
    """Is `word` a version as `with_versions` writes it (never a typo)?"""
    return word[:3] == "ver" and _VERSION_TOKEN.fullmatch(word) is not None


def is_cjk_token(word: str) -> bool:
    """Is `word` a CJK character pair as `fold` writes it (never a typo, never a name)?"""
    return word[:1] == "x" and _CJK_TOKEN.fullmatch(word) is not None


def words(text: str) -> list[str]:
    """Lower-case surface words of `text`, apostrophes folded, nothing dropped."""
    return _WORD.findall(_normalise(text))


def word_stems(text: str) -> list[str]:
    """Every word stemmed, stop words kept: for matching phrases such as "how big" or "turn off"."""
    return [stem(w.replace("'", "")) for w in words(text)]


_TOKEN = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z]+)?")


_TOKEN_BYTES = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'"
# bytes.translate table: token characters kept, every other byte becomes a space
_RUN_TABLE = bytes(c if c in _TOKEN_BYTES else 0x20 for c in range(256))


def token_runs(text: str) -> list[bytes]:
    """Runs of ASCII letters, digits and apostrophes in `text`, in order, as bytes.

    `run_tokens` of each run, concatenated, are exactly the tokens of `text`: the token pattern
    only matches those characters, so no token crosses a run's edge. Encoding (anything
    else becomes `?`), translating and splitting all run in C, which makes a whole
    corpus several times cheaper to cut than with `findall` — this is what indexing uses.
    """
    if "’" in text:
        text = text.replace("’", "'")
    return text.encode("ascii", "replace").translate(_RUN_TABLE).split()


def run_tokens(run: bytes) -> list[str]:
    """The tokens of one run from `token_runs` (more than one only around an apostrophe)."""
    word = run.decode("ascii")
    return _TOKEN.findall(word) if "'" in word else [word]


class Analyser:
    """Terms of texts, remembering each distinct word's term: one per knowledge base."""

    def __init__(self) -> None:
        self.surface: dict[str, str] = {}  # lower-case word -> its term ("" for a stop word)
        self._tokens: dict[str, tuple[str, ...]] = {}  # token as written -> its terms
        self._runs: dict[bytes, tuple[str, ...]] = {}  # run from token_runs -> its terms

    def term_of(self, word: str) -> str:
        """The index term for one surface word ("" for a stop word)."""
        w = _normalise(word)
        t = self.surface.get(w)
        if t is None:
            t = self.surface[w] = _term_of(w)
        return t

    def _meaningful(self, text: str) -> list[tuple[str, str]]:
        """(surface word, term) for each word of `text` that is not a stop word."""
        cache = self.surface
        out = []
        for w in _WORD.findall(_normalise(text)):
            t = cache.get(w)
            if t is None:
                t = cache[w] = _term_of(w)
            if t:
                out.append((w, t))
        return out

    def content_words(self, text: str) -> list[str]:
        """Surface words that carry meaning (stop words dropped), as typed."""
        return [w for w, _ in self._meaningful(text)]

    def terms(self, text: str) -> list[str]:
        """Index terms of `text`: content words, stemmed."""
        return [t for _, t in self._meaningful(text)]

    def token_terms(self, token: str) -> tuple[str, ...]:
        """Terms for one token as written: `EnableSpot` gives the whole word's term and its parts'."""
        got = self._tokens.get(token)
        if got is None:
            t = self.term_of(token)
            found = [t] if t else []
            if not token.islower() and not token.isupper() and _CAMEL_WORD.fullmatch(token):
                for part in _CAMEL_PART.findall(token):
                    pt = _term_of(part.lower())
                    if pt and pt != t:
                        found.append(pt)
            got = self._tokens[token] = tuple(found)
        return got

    def run_terms(self, run: bytes) -> tuple[str, ...]:
        """Terms of one run from `token_runs`, worked out once per analyser."""
        got = self._runs.get(run)
        if got is None:
            got = self._runs[run] = tuple(t for tok in run_tokens(run) for t in self.token_terms(tok))
        return got


def terms(text: str) -> list[str]:
    """Index terms of `text` (content words, stemmed), remembering nothing."""
    return [t for w in words(text) if (t := _term_of(w))]


def stem_prefix(word: str, term: str) -> str:
    """The part of a typed word it shares with its stem (at least 3 letters), to find the
    word's other forms by: "instances" is found by "instanc", and so is "instance"."""
    n = 0
    while n < min(len(word), len(term)) and word[n] == term[n]:
        n += 1
    return word[: max(n, 3)]


def content_words(text: str) -> list[str]:
    """Surface words of `text` that carry meaning (stop words dropped), as typed."""
    return [w for w in words(text) if _term_of(w)]


STOP_STEMS: frozenset[str] = frozenset(stem(w.replace("'", "")) for w in STOP_WORDS)
