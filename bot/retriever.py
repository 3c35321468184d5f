"""From a question to ranked sections, or to a confident "nothing here".

The steps, each cheap: clean the question; correct typos against the index vocabulary
(rapidfuzz over single words, never over section texts); recognise the intent; add
synonyms at reduced weight; score with BM25F; favour the sections the intent prefers
and the ones that cover more of the question; and abstain when the best section does
not cover enough of what was asked.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from .definitions import defines, term_pattern
from .english import english_share, is_common_word, is_english_word
from .index import FIELDS
from .intents import Intent, IntentCatalog, IntentMatch, Phrase
from .knowledge import KnowledgeBase
from .models import Hit, Section
from .ranking import FEATURES, KEYNESS_FLOOR, KEYNESS_FULL, PARAMS, Evidence, Params, confident, near_misses
from .sections import changelog_entries, has_figures, has_prices, is_navigation_section
from .text import MODIFIERS, STOP_STEMS, STOP_WORDS, is_cjk_token, is_version_token, stem, stem_prefix, with_versions
from .text import words as all_words

MAX_QUERY_CHARS = 500  # longer questions are read up to here
MAX_QUERY_WORDS = 32
LABEL_FIELDS = ("heading", "context")  # where a section "names" what was asked
KIND_FIELDS = ("heading", "context", "meta")  # where it says what kind it is: heading, path, tags
LABEL_MATCH_FLOOR = 60.0  # token_sort_ratio below this is no likeness at all
SHORT_TYPO_MIN_DF = 3  # a 3–5 letter word is corrected only to a word in this many sections...
SHORT_TYPO_DOMINANCE = 10  # ...and this many times more common than any other candidate
UBIQUITOUS = 0.9  # a word in this share of sections or more names no topic (for overviews)
OVERVIEW_CHILDREN = 2  # a section with this many children can answer a question that names it
# a question about versions or changes, which a changelog entry may answer (bot/sections.py)
CHANGE_WORDS = ("change", "changed", "changes", "changelog", "release", "released", "releases", "version",
                "versions", "history", "deprecated", "deprecation", "removed", "fixed", "fix", "fixes", "bug", "bugs",
                "regression", "upgrade", "upgrading", "breaking", "added", "migrate", "migrating", "migration")
_NAME = re.compile(r"(?<=\w[\s,;:/(])[A-Za-z0-9]*[A-Z][A-Za-z0-9]*")  # a capitalised word, not the first
WORD_FORM_MIN = 7  # words this long may match another form of an indexed word...
WORD_FORM_KEPT = 3  # ...sharing all of it but this many last letters (WORD_FORM_MIN - 1 at least)
WORD_FORM_LONGER = 4  # ...and at most this many letters longer
# stop words a short typo may be ("teh", "hwo"), by first letter
_SHORT_STOP_WORDS: dict[str, tuple[str, ...]] = {
    letter: tuple(w for w in sorted(STOP_WORDS) if w[0] == letter and w.isalpha() and 2 <= len(w) <= 6)
    for letter in {w[0] for w in STOP_WORDS}
}
_READ_CHARS = 4 * MAX_QUERY_CHARS  # no more of a message than this is ever looked at (cut before any regex)
# Each pattern below is linear in its input (no match start rescans past the next one's start):
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")  # terminal codes
_INVISIBLE = re.compile(r"[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]")  # zero-width: dropped
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")  # become spaces
_MENTION = re.compile(r"<[@#!][^<>\s]*>|@(?:everyone|here|channel)(?![a-z0-9])", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class QueryWord:
    """One word of the question as the index understands it."""

    word: str  # as typed
    term: str  # index term (after correction)
    known: bool  # the index has the term
    corrected_from: str = ""  # the typed word, when `word` is a correction
    name: bool = False  # typed capitalised after the first word ("Velero", "AWS"): a name
    modifier: bool = False  # picks among what is asked ("top", "latest") or is the measure asked
    # for ("how big"): it ranks, but it is not what the question is about

    @property
    def topical(self) -> bool:
        """A word the index knows that says what the question is about (not a modifier)."""
        return self.known and not self.modifier


@dataclass(slots=True)
class Query:
    text: str  # as received
    cleaned: str  # control characters, mentions and the bot's name removed
    intent: IntentMatch
    words: list[QueryWord]
    weights: dict[str, float] = field(default_factory=dict)

    @property
    def corrections(self) -> list[tuple[str, str]]:
        return [(w.corrected_from, w.word) for w in self.words if w.corrected_from]

    @property
    def asked(self) -> str:
        """The question's words as read, for comparing with headings."""
        return " ".join(w.word for w in self.words)


@dataclass(slots=True)
class _Coverage:
    """What sections hold of the question: per known word, which sections hold it (or a
    synonym) anywhere and in their labels. Sums are taken only for the sections asked about
    (the candidates, the best few), not over the whole index."""

    match: np.ndarray  # per section: BM25F as a share of the question's best possible score
    found: list[np.ndarray]  # per known word: which sections hold it (or a synonym)
    named: list[np.ndarray]  # ... in their heading or context
    holders: list[np.ndarray]  # per known word: the sections holding it (or a synonym), sorted ids
    idfs: list[float]  # per known word: its IDF
    terms: list[str]  # the known words' terms, in the order of the lists above

    @property
    def known(self) -> float:
        """IDF of all the question's known words."""
        return sum(self.idfs)

    def covered(self, ids: np.ndarray) -> np.ndarray:
        """IDF of the known question words each of `ids` holds."""
        return self._sum(self.found, ids)

    def labels(self, ids: np.ndarray) -> np.ndarray:
        """... in its heading or context."""
        return self._sum(self.named, ids)

    def holds(self, sid: int) -> frozenset[str]:
        """The known question words (terms) section `sid` holds, a synonym counting."""
        return frozenset(term for term, found in zip(self.terms, self.found) if found[sid])

    def _sum(self, per_word: list[np.ndarray], ids: np.ndarray) -> np.ndarray:
        out = np.zeros(len(ids), dtype=np.float64)
        for held, idf in zip(per_word, self.idfs):
            out += idf * held[ids]
        return out


@dataclass(slots=True)
class Ranked:
    order: np.ndarray  # candidate section ids, best first
    scores: np.ndarray  # the ranking formula per section (0 off the candidates)
    evidence: Evidence  # what the best sections hold of the question: whether to answer
    words: _Coverage  # which sections hold which of the question's known words
    overview: bool = False  # the first is the overview of a topic the question names
    # ...named by the intent's section words: the question is only the intent's own words and
    # they head no section ("what's next?": the trends overview); that is enough to answer
    intent_overview: bool = False
    defining: frozenset[int] = frozenset()  # candidates whose opening defines the "what is X" term asked about
    lacks: str = ""  # what the question requires (its intent's `requires`) that none of the best sections holds


@dataclass(slots=True)
class SearchResult:
    query: Query
    hits: list[Hit]
    abstained: bool = False
    holds: dict[int, frozenset[str]] = field(default_factory=dict)  # per hit's section id: the known words it holds
    overview: bool = False  # the first hit is the overview of the topic asked about: it answers alone
    defines: bool = False  # the first hit defines the term a "what is X" question asks about: it answers alone
    near: tuple[int, ...] = ()  # declined: the best sections close enough to offer instead (section ids)
    lacks: str = ""  # declined because none of the best sections holds what the question requires ("prices")


def clean_question(text: str) -> str:
    """The question without control characters, zero-width characters (dropped: `b\\u200best` is
    `best`) or platform mention markup, length-capped. Only the first _READ_CHARS characters
    are read, so however long the message, this costs the same as a long question."""
    text = (text or "")[:_READ_CHARS]
    if "\x1b" in text:
        text = _ANSI.sub("", text)
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub(" ", text)
    text = _MENTION.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip()[:MAX_QUERY_CHARS]


@dataclass(frozen=True, slots=True)
class _Pair:
    """Two neighbouring question words, found near each other in a text: a word starting
    with `first` (at a word start) and, one to three words on, a word starting with `second`
    ("infrastructure as a service"). Both must occur in the text before the compiled search
    (in C, from each place `first` occurs) is run: most candidates lack one of them."""

    first: str
    second: str
    pattern: re.Pattern[str]

    @classmethod
    def of(cls, first: str, second: str) -> "_Pair":
        head = re.escape(first)
        # `first`, not after a letter or digit; the rest of its word and a gap; up to two
        # more words and gaps; then `second`
        # (possessive: a word and a gap are taken whole, as `second` starts with a letter or
        # digit; nothing to try again when it does not follow)
        return cls(first, second, re.compile(head + r"(?<![^\W_]" + head + r")\w*+\W++(?:\w++\W++){0,2}?"
                                             + re.escape(second)))


_NO_IDS = np.zeros(0, dtype=np.int32)
_DEFINES = list(FEATURES).index("defines")  # its column in the feature rows
# what a question may need a section to hold (an intent's `prefer` and `requires`), and how to tell
_HOLDS: dict[str, Callable[[str], bool]] = {"figures": has_figures, "prices": has_prices}
_INTENT = list(FEATURES).index("intent")


def _word_sorted(text: str) -> str:
    """`text`'s words in sorted order: what token_sort_ratio compares."""
    return " ".join(sorted(text.split()))


def _common(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The ids in both of two sorted id arrays without repeats: each id of the shorter one
    looked up in the longer one by binary search."""
    if len(a) > len(b):
        a, b = b, a
    if not len(a):
        return a
    at = np.minimum(np.searchsorted(b, a), len(b) - 1)
    return a[b[at] == a]


def _length_rank(lengths: np.ndarray) -> np.ndarray:
    """Per section: the share of the knowledge's other sections shorter than it (0 for the
    shortest, 1 for the longest). What is long depends on the knowledge: a passage of an
    essay is long among a team's prose notes and ordinary among API references, and a
    weight fitted on absolute lengths in one kind of corpus misreads the other (the fold
    fitted on Kubeflow and SageMaker, docs of short sections, marked seeds' prose down)."""
    if len(lengths) < 2:
        return np.zeros(len(lengths))
    return np.searchsorted(np.sort(lengths), lengths, side="left") / (len(lengths) - 1)


def _spans(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every position from lo[i] up to hi[i] (exclusive), for each i in turn, as one flat
    array, and where each i's positions start in it."""
    lengths = hi - lo
    starts = np.cumsum(lengths) - lengths
    return np.arange(int(lengths.sum())) + np.repeat(lo - starts, lengths), starts


def _union(parts: list[np.ndarray]) -> np.ndarray:
    """The ids in any of `parts`, sorted, without repeats: `np.unique` of their concatenation
    without its check for masked arrays, which imports numpy.ma (~40 ms of `cloudai ask`)."""
    ids = np.sort(np.concatenate(parts))
    if len(ids) > 1:
        ids = ids[np.concatenate(([True], ids[1:] != ids[:-1]))]
    return ids


class Retriever:
    def __init__(self, kb: KnowledgeBase, catalog: IntentCatalog, params: Params = PARAMS) -> None:
        self.kb = kb
        self.params = params
        self._weights = np.array(params.weight_vector(), dtype=np.float64)
        self.index = kb.index
        self._text = kb.index.analyser  # the knowledge base's own: no process-wide caches
        self.catalog = catalog
        vocab = dict(self.index.vocabulary)
        for w in catalog.words:
            vocab.setdefault(w, self._text.term_of(w))
        self._known_terms = set(vocab.values())
        self._by_length: dict[int, list[str]] = defaultdict(list)
        for w in vocab:
            self._by_length[len(w)].append(w)
        self._vocab = vocab
        self._sorted_vocab = sorted(vocab)  # for words by their first letters (other forms of a word)
        self._forms: dict[str, tuple[str, ...]] = {}  # word -> indexed terms of its other forms
        self._holding_masks: dict[str, np.ndarray] = {}  # kind of content ("figures", "prices") -> sections holding it
        self._of_kind: dict[str, np.ndarray] = {}  # intent id -> the sections it looks for (`_sections_of_kind`)
        self._labels: dict[int, tuple[str, ...]] = {}  # section id -> its labels as content words, sorted
        self._key: dict[tuple[str, str], float] = {}  # (term, word as typed) -> keyness (words of indexed terms only)
        self._intros = np.array([s.kind == "intro" for s in self.index.sections], dtype=bool)
        self._continuations = np.array([s.kind == "passage" for s in self.index.sections], dtype=bool)
        self._items = np.array([s.kind == "item" for s in self.index.sections], dtype=bool)
        self._navigation = np.array([is_navigation_section(s) for s in self.index.sections], dtype=bool)
        self._changelog = np.array(changelog_entries(self.index.sections), dtype=bool)
        self._change_terms = frozenset(self._text.term_of(w) for w in CHANGE_WORDS)
        self._length_rank = _length_rank(np.array([len(s.searchable) for s in self.index.sections], dtype=np.int64))
        self._overviews = np.array([
            s.kind in ("heading", "intro") and not nav
            and sum(not self._navigation[c] for c in s.children) >= OVERVIEW_CHILDREN
            for s, nav in zip(self.index.sections, self._navigation)], dtype=bool)
        doc_numbers: dict[int, int] = {}
        self._doc_of = np.array([doc_numbers.setdefault(id(s.doc), len(doc_numbers)) for s in self.index.sections],
                                dtype=np.int64)
        self._doc_starts = np.flatnonzero(np.r_[True, self._doc_of[1:] != self._doc_of[:-1]]) if self.index.n \
            else np.zeros(1, dtype=np.int64)
        self._doc_ends = np.append(self._doc_starts[1:], self.index.n)  # per document: one past its last section
        self._parent_of = np.array([s.id if s.parent is None else s.parent for s in self.index.sections],
                                   dtype=np.int64)
        self._child_share = np.array([min(len(s.children), 4) / 4 for s in self.index.sections], dtype=np.float64)

    # -- question analysis -------------------------------------------------------------

    def correct(self, word: str) -> str | None:
        """The vocabulary word closest to a word the index does not know, if close enough
        ("" when it is a misspelt stop word: "teh" is "the", and means nothing).

        The first letter must stay: typos rarely hit it, while first-letter "corrections"
        turn real words the knowledge never uses into words it does ("bread" into "read").
        Words of 6 letters or more allow one edit (a transposition counts as one), two from
        10, the most common candidate in the index winning. Short words (3–5 letters) are
        easy to "correct" into another real word, so they take one edit and only when one
        candidate is far more common than any other.
        """
        n = len(word)
        if n < 3 or word.isdigit():
            return None
        if n <= 5:
            return self._correct_short(word)
        allowed = 1 if n < 10 else 2
        found = self._candidates(word, allowed)
        return min(found, key=lambda c: (c[1], -self.index.df(self._vocab[c[0]]), c[0]))[0] if found else None

    def _candidates(self, word: str, allowed: int) -> list[tuple[str, int]]:
        """Vocabulary words within `allowed` edits of `word` that start with its letter."""
        n = len(word)
        out: list[tuple[str, int]] = []
        for length in range(n - allowed, n + allowed + 1):
            candidates = self._by_length.get(length)
            if not candidates:
                continue
            for cand, dist, _ in process.extract(word, candidates, scorer=OSA.distance,
                                                 score_cutoff=allowed, limit=None):
                if cand[0] == word[0]:
                    out.append((cand, int(dist)))
        return out

    def _correct_short(self, word: str) -> str | None:
        stop = [w for w in _SHORT_STOP_WORDS.get(word[0], ()) if OSA.distance(word, w) <= 1]
        if stop:
            return ""
        found = sorted((self.index.df(self._vocab[c]), c) for c, _ in self._candidates(word, 1))
        if not found:
            return None
        df, best = found[-1]
        runner_up = found[-2][0] if len(found) > 1 else 0
        if df >= SHORT_TYPO_MIN_DF and df >= SHORT_TYPO_DOMINANCE * runner_up:
            return best
        return None

    def _form_prefix(self, word: str) -> str:
        """What another form of `word` keeps of it: all but its last WORD_FORM_KEPT letters."""
        return word[: max(WORD_FORM_MIN - 1, len(word) - WORD_FORM_KEPT)]

    def _sharing_prefix(self, word: str) -> list[str]:
        """Vocabulary words that may be other forms of `word`: they begin with its
        `_form_prefix` and are at most WORD_FORM_LONGER letters longer."""
        prefix = self._form_prefix(word)
        out: list[str] = []
        for i in range(bisect_left(self._sorted_vocab, prefix), len(self._sorted_vocab)):
            w = self._sorted_vocab[i]
            if not w.startswith(prefix):
                break
            if len(w) <= len(word) + WORD_FORM_LONGER:
                out.append(w)
        return out

    def _word_form(self, word: str) -> str | None:
        """Another form of a word the index does not know: the most common indexed word
        sharing all but its last few letters ("compliant" finds "compliance")."""
        if len(word) < WORD_FORM_MIN:
            return None
        found = self._sharing_prefix(word)
        return max(found, key=lambda w: (self.index.df(self._vocab[w]), w)) if found else None

    def other_forms(self, word: str, term: str) -> tuple[str, ...]:
        """Indexed terms of other forms of an English word (lower case) that the stemmer
        keeps apart: "necessary" finds "necessity", "analysis" "analyse". Each is an
        English word whose stem, too, keeps the shared letters: "retries" (stem "retri") is
        no form of "retriever". A question's word adds them to what is searched, at the
        weight of a synonym (`Params.expansion_weight`), never to what it must cover: the
        prefix rule finds false friends too ("general" and "generation")."""
        if len(word) < WORD_FORM_MIN or not is_english_word(word):
            return ()
        found = self._forms.get(word)
        if found is None:
            prefix = self._form_prefix(word)
            terms = {self._vocab[w] for w in self._sharing_prefix(word) if is_english_word(w)}
            found = self._forms[word] = tuple(sorted(t for t in terms
                                                     if t != term and t.startswith(prefix) and self.index.has(t)))
        return found

    def _compound(self, word: str) -> list[str]:
        """Run-together words ("usecases" is "use cases"): the parts that carry meaning,
        when every part is an indexed word or a stop word; [] when it does not split."""
        for cut in range(2, len(word) - 2):
            parts = [word[:cut], word[cut:]]
            kept = [p for p in parts if self._text.term_of(p)]
            if kept and all(self.index.has(self._text.term_of(p)) for p in kept) and all(len(p) >= 4 for p in kept):
                return kept
        return []

    def _read_word(self, w: str, name: bool = False) -> list[QueryWord]:
        """One typed word as the index understands it: known, a synonym the documents use,
        a corrected typo, another form of the word, or two run-together words (never a word
        of the English list, however rare: "typographic" is not "typo graphic"; a name typed
        capitalised is only ever corrected: its prefix is not another word's; a common
        English word is never rewritten, bot/english.py); chat filler and very short unknown
        words are dropped (they must not count against coverage)."""
        if len(w) < 2:  # a lone letter ("x", "b") is markup or noise, never what was asked
            return []
        t = self._text.term_of(w)
        if self.index.has(t):
            return [QueryWord(w, t, True)]
        if is_cjk_token(w) or is_version_token(w):  # (a CJK pair the knowledge lacks often spans two words)
            return [QueryWord(w, t, False)]
        synonym = self._indexed_synonym(t)
        if synonym is not None:  # "confidential" when the docs say "sensitive", "prem" for "premises"
            return [QueryWord(w, synonym, True)]
        if t in self._known_terms:  # a word of the catalog (after its synonyms: it is one of them)
            return [QueryWord(w, t, False)]
        if len(w) < 3:
            return []
        if is_common_word(w):  # "tire" is not a typo of "time": a real word the documents lack
            return [QueryWord(w, t, False, name=name)]
        fixed = self.correct(w)
        if fixed == "":
            return []
        if fixed is None and len(w) >= WORD_FORM_MIN and not name:  # a name has no other forms:
            fixed = self._word_form(w)  # "HyperPod" is not "hyperparameter"
        if fixed is not None:
            ft = self._vocab[fixed]
            return [QueryWord(fixed, ft, self.index.has(ft), corrected_from=w)]
        parts = self._compound(w) if len(w) >= 6 and not name and not is_english_word(w) else []
        if parts:
            return [QueryWord(part, self._text.term_of(part), True, corrected_from=w) for part in parts]
        return [QueryWord(w, t, False, name=name)]

    def _keyness_weight(self, word: QueryWord) -> float:
        """How much a question word weighs by how key it is to the knowledge: in a paraphrase,
        "keeps getting handled by the generic handler instead", the everyday words ("keeps",
        "instead") say less about what is asked than the words the knowledge is about
        ("handler"). Keyness is read within KEYNESS_FLOOR..KEYNESS_FULL, so an everyday word
        still weighs a little and every key word alike; a word the index lacks has none (1)."""
        if not self.params.query_keyness or not self.index.has(word.term):
            return 1.0
        key = min(max(self._key_of(word.term, word.word.lower()), KEYNESS_FLOOR), KEYNESS_FULL) / KEYNESS_FULL
        return float(key ** self.params.query_keyness)

    def _indexed_synonym(self, term: str) -> str | None:
        """The most common synonym of `term` (from the catalog) that the index holds."""
        found = [alt for alt in self.catalog.alternatives(term) if self.index.has(alt)]
        return max(found, key=self.index.df) if found else None

    def analyse(self, text: str) -> Query:
        cleaned = self.catalog.strip_bot_name(clean_question(text))
        words: list[QueryWord] = []
        names = {m.group().lower() for m in _NAME.finditer(cleaned)}
        typed = all_words(cleaned)
        # "how big is the market": "big" is the measure asked for (an everyday word, never a
        # name: in "how Velero backs up topics" Velero is the topic)
        measures = {b for a, b in zip(typed, typed[1:]) if a == "how" and b not in names and is_common_word(b)}
        # "how to avoid bias": the verb of a how-to is the action asked for; one the knowledge
        # never uses is no topic it lacks
        actions = {c for a, b, c in zip(typed, typed[1:], typed[2:]) if a == "how" and b == "to"}
        actions |= {d for a, b, c, d in zip(typed, typed[1:], typed[2:], typed[3:])
                    if a == "how" and b in ("do", "can", "should", "would") and c in ("i", "we", "you")}
        for w in self._text.content_words(with_versions(cleaned))[:MAX_QUERY_WORDS]:
            if w in MODIFIERS or w in measures:  # kept as typed: "top" is no typo of "tip"
                t = self._text.term_of(w)
                words.append(QueryWord(w, t, self.index.has(t), modifier=True))
            elif w in actions and w not in names and is_common_word(w) and not self.index.has(self._text.term_of(w)):
                words.append(QueryWord(w, self._text.term_of(w), False, modifier=True))
            else:
                words.extend(self._read_word(w, w in names))
        fixes = {w.corrected_from: w.word for w in words if w.corrected_from}
        qterms = [stem(fixes.get(t, t).replace("'", "")) for t in typed]
        intent = self.catalog.classify(cleaned, qterms)
        if intent.topic:  # "what does AIaaS stand for": only the topic is asked about, the rest is phrasing
            topic = set(all_words(intent.topic))
            words = [w if (w.corrected_from or w.word).lower() in topic or w.modifier
                     else replace(w, modifier=True) for w in words]
        if any(w.known and is_version_token(w.word) for w in words):  # "what changed in 1.9.2": the version
            words = [replace(w, modifier=True) if w.term in self._change_terms else w for w in words]  # is the topic
        weights: dict[str, float] = {}
        for qw in words:
            weight = (self.params.corrected_weight if qw.corrected_from else 1.0) * self._keyness_weight(qw)
            weights[qw.term] = max(weights.get(qw.term, 0.0), weight)
        extra: list[Phrase] = list(self.catalog.expansions(qterms))
        for qw in words:
            if qw.corrected_from or qw.modifier:
                continue
            for form in self.other_forms(qw.word.lower(), qw.term):
                extra.append((form,))  # at a synonym's weight, unless the knowledge lacks the word
                if not qw.known:  # itself: then the form is how it writes it, weighed as a corrected word
                    weights.setdefault(form, self.params.corrected_weight * self._keyness_weight(replace(qw, term=form)))
        if intent.intent is not None:
            extra.extend(intent.intent.expand)
        extra.extend(intent.slot_phrases)
        for phrase in extra:
            for t in phrase:
                if t not in weights and t not in STOP_STEMS:
                    weights[t] = self.params.expansion_weight
        return Query(text, cleaned, intent, words, weights)

    # -- ranking -----------------------------------------------------------------------

    def search(self, text: str, top: int = 5) -> SearchResult:
        query = self.analyse(text)
        intent = query.intent.intent
        if (intent is not None and intent.answer) or not query.words or not self.index.n:
            return SearchResult(query, [], abstained=intent is None or not intent.answer)
        ranked = self.rank(query)
        if ranked is None:
            return SearchResult(query, [], abstained=True)
        head = ranked.order[: self.params.coverage_depth]
        order = ranked.order
        if not confident(self.params, ranked.evidence) and not ranked.intent_overview:
            named = self._named_in_heading(query, head)
            if named is None:
                return SearchResult(query, [], abstained=True, lacks=ranked.lacks,
                                    near=tuple(head[near_misses(self.params, ranked.evidence)].tolist()))
            order = np.concatenate(([named], order[order != named]))  # what answering rests on comes first
        hits: list[Hit] = []
        for sid in order.tolist():
            sec = self.index.sections[sid]
            if any(sec.text in h.section.text for h in hits):
                continue
            hits.append(Hit(sec, float(ranked.scores[sid])))
            if len(hits) >= top:
                break
        return SearchResult(query, hits, overview=ranked.overview, defines=hits[0].section.id in ranked.defining,
                            holds={h.section.id: ranked.words.holds(h.section.id) for h in hits})

    def answers_as_asked(self, text: str) -> bool:
        """Is `text` answered by a section of the kind its intent asks for (its heading, path
        or tags name the intent's section words; a "what is X" question, or one with no such
        intent: answered at all)? What help may offer as an example: "how big is the cloud AI market?" asked of
        Kubeflow's docs is answered by "Google Cloud AI Platform Pipelines"."""
        result = self.search(text, top=1)
        intent = result.query.intent.intent
        if not result.hits or intent is None or not intent.sections:
            return bool(result.hits)
        if result.query.intent.topic:  # a "what is X" question: the sections about X are of its kind
            return True
        return bool(np.isin(result.hits[0].section.id, self._sections_of_kind(intent)))

    def _named_in_heading(self, query: Query, ids: np.ndarray) -> int | None:
        """The first of the sections `ids` whose heading names the term of a "what is X"
        question, X of two words or more, as written ("what is a warm pool": "Train Using
        Managed Warm Pools"). Then the knowledge names what is asked about, though each of
        X's words is everyday English and the abstention rule (ranking.confident) reads
        everyday words as no evidence; a term of one word is left to it ("what is a pool" is
        declined). (An intent's keyword named in a heading was tried the same way and not
        kept: SageMaker's "trends" would have been answered by "Seasonal Trend Decomposition".)"""
        wanted = self._text.terms(query.intent.topic) if query.intent.topic else []
        if len(wanted) < 2:
            return None
        n = len(wanted)
        for sid in ids.tolist():
            got = self._text.terms(self.index.label(sid))
            if any(got[i:i + n] == wanted for i in range(len(got) - n + 1)):
                return int(sid)
        return None

    def rank(self, query: Query) -> Ranked | None:
        """The candidates best first by the ranking formula (a broad question's overview
        first), and the evidence for answering at all; None when no section matches."""
        cand, feats, parts = self.features(query)
        if not len(cand):
            return None
        scores = np.zeros(self.index.n, dtype=np.float64)
        scores[cand] = feats @ self._weights
        ranking = np.argsort(-scores[cand], kind="stable")
        ranking = ranking[np.argsort(~self._asked_for(query, feats)[ranking], kind="stable")]
        entries = self._changelog[cand[ranking]]
        if entries.any() and not entries.all() and not self._asks_about_changes(query):
            ranking = ranking[~entries]  # a changelog's entries answer only when nothing else can
        order = cand[ranking]
        found = self._overview(query, order, defined=bool(feats[ranking[0], _DEFINES]))
        overview, by_intent = found if found is not None else (None, False)
        if overview is not None and overview != int(order[0]):
            scores[overview] = max(scores[overview], scores[order[0]])
            order = np.concatenate(([overview], order[order != overview]))
        head = order[: self.params.coverage_depth]
        known = {w.term for w in query.words if w.topical}
        intent = query.intent.intent
        kind_words = intent.own_words if intent is not None else frozenset()
        looked_for = self._sections_of_kind(intent) if intent is not None and intent.sections else None
        # a word of the intent's own the index lacks, where the knowledge has sections of the
        # intent's kind, says what kind of answer is wanted, not what about: "is it worth using
        # AIaaS?" asks the market figures about AIaaS; where it has none ("what are the key
        # trends?" of a team's notes on Kafka), it is a topic the knowledge lacks
        phrasing = kind_words if looked_for is not None and len(looked_for) else frozenset()
        unknown = [w for w in query.words if not w.known and not w.modifier and w.term not in phrasing]
        names = sum(1 for w in unknown if w.name)
        held = (np.column_stack([found[head] for found in parts.found]) if parts.found
                else np.zeros((len(head), 0), dtype=bool))
        kind = np.array([term in kind_words for term in parts.terms], dtype=bool)
        eligible = None  # (see ranking.confident)
        if looked_for is not None and kind.any() and kind.all():
            eligible = np.isin(head, looked_for)
        requires = intent.requires if intent is not None else None
        needed = self._holding(requires)[head] if requires else None
        if needed is not None:
            eligible = needed if eligible is None else eligible & needed
        evidence = Evidence(
            held=held, idfs=np.array(parts.idfs, dtype=np.float64), unknown=len(unknown) - names, names=names,
            rarest=self.index.max_idf, match=parts.match[head],
            distinct=len(known) + len({w.term for w in unknown}), kind=kind,
            keyness=self._keyness(query, parts.terms), eligible=eligible)
        defining = frozenset(cand[feats[:, _DEFINES] > 0].tolist()) if query.intent.topic else frozenset()
        lacks = requires if requires and needed is not None and not needed.any() else ""
        return Ranked(order, scores, evidence, parts, overview is not None, by_intent, defining, lacks)

    @staticmethod
    def _asked_for(query: Query, rows: np.ndarray) -> np.ndarray:
        """Per candidate (feature rows): is it the kind of section the question asks for, so
        that it comes first whatever it scores? A "what is X" question is answered by a section
        whose opening defines X, when one is a candidate (a page on troubleshooting X may
        match X's words better); a question asked for an industry ("best practices in
        finance": the intent's own words and an industry) by the intent's own sections: the
        industry narrows what is asked, it does not turn it into another intent's question
        (the Finance use case)."""
        if query.intent.topic and rows[:, _DEFINES].any():
            return rows[:, _DEFINES] > 0
        intent = query.intent.intent
        if (query.intent.slots and intent is not None and rows[:, _INTENT].any()
                and intent.own_words & {w.term for w in query.words}):
            return rows[:, _INTENT] > 0
        return np.zeros(len(rows), dtype=bool)

    def _asks_about_changes(self, query: Query) -> bool:
        """Does the question ask about versions or changes ("what changed in 0.88", "when was
        this deprecated"): the questions a changelog's entries answer. A version it names is
        one of its words (`text.with_versions`)."""
        return any(w.term in self._change_terms or is_version_token(w.word) for w in query.words)

    def features(self, query: Query) -> tuple[np.ndarray, np.ndarray, "_Coverage"]:
        """The candidate sections and their feature rows (columns in ranking.FEATURES order),
        with what every section holds of the question (for abstaining)."""
        params = self.params
        total = self.index.score(query.weights)
        best = self.index.best_score(query.weights)
        if not total.any() or best <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros((0, len(FEATURES))), self._coverage(query, total)
        coverage = self._coverage(query, total / best)
        total[self._navigation] = 0.0  # link lists feed related topics, never answers
        k = min(params.candidates, int(np.count_nonzero(total)))
        cand = np.argpartition(-total, k - 1)[:k]
        asked = query.asked
        named = self._named_like(query, asked)
        cand = _union([cand, named[~self._navigation[named]]]).astype(np.int64)
        pairs = self._pair_patterns(query)
        plain = self.index.plain
        known = coverage.known or 1.0
        cols = dict.fromkeys(FEATURES, np.zeros(len(cand)))  # a feature not set below is 0 (never changed in place)
        cols["bm25f"] = coverage.match[cand]
        per_field = self.index.field_scores(query.weights, cand) / best
        for row, f in enumerate(FIELDS):
            cols[f] = per_field[row]
        cols["bm25"] = per_field[len(FIELDS)]
        cols["coverage"] = coverage.covered(cand) / known
        cols["label_coverage"] = coverage.labels(cand) / known
        cols["passage"] = self._continuations[cand].astype(float)
        cols["item"] = self._items[cand].astype(float)
        cols["intro"] = self._intros[cand].astype(float)
        cols["length"] = self._length_rank[cand]
        docs = self._doc_of[cand]  # sections come document by document: each document is a run of ids
        lo, hi = self._doc_starts[docs], self._doc_ends[docs]
        in_docs, doc_rows = _spans(lo, hi)  # the sections of each candidate's document
        cols["document"] = np.maximum.reduceat(total[in_docs], doc_rows) / best
        if coverage.holders:
            held = np.zeros(len(cand))
            for holders, idf in zip(coverage.holders, coverage.idfs):  # a section of the document holds it
                held += idf * (np.searchsorted(holders, hi) > np.searchsorted(holders, lo))
            cols["doc_coverage"] = held / known
        cols["parent"] = total[self._parent_of[cand]] / best
        for col, ids in self._preferred(query).items():
            cols[col] = np.isin(cand, ids).astype(float)
        if query.intent.topic:
            cols["defines"] = self._defines(query.intent.topic, cand)
        cols["label_match"] = self._label_match(asked, cand)
        cols["overview"] = (cols["label_coverage"] * cols["label_match"] * self._child_share[cand]
                            * ~self._child_asked(coverage, cand))
        if pairs:
            texts = [plain(sid) for sid in cand.tolist()]
            near = np.zeros(len(cand))
            for pair in pairs:
                first, second, search = pair.first, pair.second, pair.pattern.search
                near += [first in text and second in text and search(text) is not None for text in texts]
            cols["phrase"] = near / len(pairs)
        return cand, np.array([cols[f] for f in FEATURES]).T, coverage

    def _keyness(self, query: Query, terms: list[str]) -> np.ndarray:
        """Per known question word (`terms`): log10 of its share of the knowledge's sections over
        its share of English words: high for what the knowledge is about ("endpoint",
        "kubeflow"), low for everyday words it happens to use ("store", "close", "play").
        A word typed in several forms counts as its most key one."""
        best = dict.fromkeys(terms, -np.inf)
        for w in query.words:
            if w.term in best:
                best[w.term] = max(best[w.term], self._key_of(w.term, w.word.lower()))
        return np.fromiter(best.values(), dtype=np.float64, count=len(best))

    def _key_of(self, term: str, word: str) -> float:
        got = self._key.get((term, word))
        if got is None:
            got = self._key[(term, word)] = math.log10(self.index.df(term) / max(self.index.n, 1) / english_share(word))
        return got

    def _child_asked(self, coverage: "_Coverage", ids: np.ndarray) -> np.ndarray:
        """Per section of `ids`: does the question name one of its children by a word its own
        labels lack ("use cases in finance": the Finance child)? Then it is that child's
        question, not a broad one for the overview."""
        sections = self.index.sections
        out = np.zeros(len(ids), dtype=bool)
        for i, sid in enumerate(ids.tolist()):
            children = sections[sid].children
            if children:
                out[i] = any(named[child] and not named[sid] for named in coverage.named for child in children)
        return out

    def _overview(self, query: Query, order: np.ndarray, defined: bool) -> tuple[int, bool] | None:
        """A question that names a topic with several child sections ("trends", "use
        cases") is answered by that topic's overview: the parent whose heading (or, for a
        document's intro, title) holds every word asked, with its list of children. It is
        looked for among the best sections and their ancestors (the first one may be it).
        `defined`: the first section defines the term a "what is X" question asks about;
        then it answers, not X's overview. With it: whether the intent's own section words
        named it (the question's words head no section)."""
        terms = {w.term for w in query.words if w.topical}
        if defined or not terms or len(terms) < len({w.term for w in query.words if not w.modifier}):
            return None
        # a word nearly every section holds ("cloud", "ai" in a cloud AI knowledge base) names no topic here
        said = {t for t in terms if self.index.df(t) < UBIQUITOUS * self.index.n} or terms
        intent = query.intent.intent
        own = intent.own_words & said if intent is not None else set()
        by_intent = False
        if own == said:  # only the intent's own words ("future trends"): a heading naming one will do
            named = np.logical_or.reduce([self._named_sections((t,)) for t in sorted(said)])
            if not named.any() and intent is not None:
                # "what's next?": no heading says "next"; the intent's section words name its
                # overview, the first of them (the catalog lists them in order) that heads one
                for phrase in intent.sections:
                    named = self._named_sections(phrase)
                    if named.any():
                        by_intent = True
                        break
        else:
            named = self._named_sections(tuple(sorted(said)))
        if not named.any():
            return None
        if by_intent:  # the best ranked of them, or the one with most children
            ranked = [sid for sid in order.tolist() if named[sid]]
            if ranked:
                return ranked[0], True
            ids = np.flatnonzero(named)
            return int(ids[np.argmax([len(self.index.sections[i].children) for i in ids])]), True
        sections = self.index.sections
        head = order[: self.params.coverage_depth]
        for sid in head.tolist():
            chain = [sid]
            while sections[chain[-1]].parent is not None:
                chain.append(sections[chain[-1]].parent)  # type: ignore[arg-type]
            for cand in chain:
                if named[cand] and self._reads_as_asked(query, cand, head):
                    return cand, False
        return None

    def _reads_as_asked(self, query: Query, overview: int, head: np.ndarray) -> bool:
        """Whether the overview's heading reads as much like the question as the heading of
        every section ranked above it: for "katib", "Katib DB" (two children) is an overview
        of the database, not of Katib, and "Why Katib?" outranks it."""
        above = head[: int(np.flatnonzero(head == overview)[0])] if overview in head else head
        if not len(above):
            return True
        likeness = self._label_match(query.asked, np.concatenate(([overview], above)))
        return bool(likeness[0] >= likeness[1:].max())

    def _presence(self, term: str, fields: tuple[str, ...]) -> np.ndarray:
        """Per section: does it hold `term`, or a synonym of it from the catalog, in `fields`."""
        found = self.index.presence(term, fields)
        for alt in self.catalog.alternatives(term):
            found |= self.index.presence(alt, fields)
        return found

    def _named_sections(self, terms: tuple[str, ...]) -> np.ndarray:
        """Per section: an overview candidate whose own heading (an intro: its title) holds
        every term (or a synonym of it) and that has OVERVIEW_CHILDREN children or more."""
        mask = self._overviews.copy()
        for term in terms:
            mask &= self._presence(term, ("heading",))
            if not mask.any():
                break
        return mask

    def _named_like(self, query: Query, asked: str) -> np.ndarray:
        """Sections whose heading holds every word asked and reads most like the question.

        BM25 alone can leave "What Is Amazon SageMaker?" out of the candidates when every
        section says "SageMaker"; a heading that is the question deserves a look.
        """
        known = tuple(dict.fromkeys(w.term for w in query.words if w.topical))
        if not known:
            return np.zeros(0, dtype=np.int64)
        ids = self._ids_with_all(known, ("heading",))
        if len(ids) <= self.params.named_candidates:
            return ids.astype(np.int64)
        label = self.index.label
        found = process.extract(asked, {i: label(i) for i in ids.tolist()}, scorer=fuzz.token_sort_ratio,
                                limit=self.params.named_candidates)
        return np.array([key for _, _, key in found], dtype=np.int64)

    def _label_match(self, asked: str, ids: np.ndarray) -> np.ndarray:
        """Per section of `ids`, 0..1: how closely the question reads like its heading (or its
        document's title and description, for an intro): QnA-style "the heading is the
        question", word order aside (rapidfuzz's token_sort_ratio, with each label's words
        sorted once, not on every question). All labels are compared in one rapidfuzz call."""
        labels: list[str] = []
        owners: list[int] = []
        sections = self.index.sections
        for i, sid in enumerate(ids.tolist()):
            for label in self._labels_of(sections[sid]):
                labels.append(label)
                owners.append(i)
        best = np.zeros(len(ids), dtype=np.float64)
        if labels:
            ratios = process.cdist([_word_sorted(asked)], labels, scorer=fuzz.ratio, dtype=np.float64)[0]
            np.maximum.at(best, np.array(owners, dtype=np.int64), ratios)
        return np.maximum(0.0, (best - LABEL_MATCH_FLOOR) / (100.0 - LABEL_MATCH_FLOOR))

    def _labels_of(self, sec: Section) -> tuple[str, ...]:
        """A section's labels as content words in sorted order, worked out once (an item's
        bold label or a later passage is not a heading: none)."""
        got = self._labels.get(sec.id)
        if got is None:
            labels = [self.index.label(sec.id)]  # its heading (or title) as content words
            if sec.kind == "intro" and sec.doc.description:
                labels.append(" ".join(self._text.content_words(sec.doc.description)))
            got = tuple(_word_sorted(label) for label in labels if label) if sec.kind in ("heading", "intro") else ()
            self._labels[sec.id] = got
        return got

    def _pair_patterns(self, query: Query) -> list[_Pair]:
        """Neighbouring question words, as patterns that find them near each other in a text.

        Each word matches by the part it shares with its stem ("instances" by "instanc"),
        and up to two words may stand between them ("infrastructure as a service").
        """
        ws = [w for w in query.words if w.known]
        return [
            _Pair.of(stem_prefix(a.word, a.term), stem_prefix(b.word, b.term))
            for a, b in zip(ws, ws[1:]) if a.term != b.term
        ]

    def _coverage(self, query: Query, match: np.ndarray) -> "_Coverage":
        """Per known question word: the sections holding it anywhere (as a mask and as sorted
        ids, which say which documents hold it) and in their labels, a synonym from the catalog
        counting. Words the index has never seen are left to the abstention rule
        (ranking.confident)."""
        weights: dict[str, float] = {}
        for w in query.words:
            if w.topical:
                weights[w.term] = self.index.idf(w.term)
        found_per_word: list[np.ndarray] = []
        named_per_word: list[np.ndarray] = []
        holders_per_word: list[np.ndarray] = []
        for term in weights:
            alternatives = self.catalog.alternatives(term)
            holders = self.index.holders(term)
            if alternatives:
                holders = _union([holders, *map(self.index.holders, alternatives)])
            found = np.zeros(self.index.n, dtype=bool)
            found[holders] = True
            found_per_word.append(found)
            named_per_word.append(self._presence(term, LABEL_FIELDS))
            holders_per_word.append(holders)
        return _Coverage(match, found_per_word, named_per_word, holders_per_word, list(weights.values()), list(weights))

    def _preferred(self, query: Query) -> dict[str, np.ndarray]:
        """Sections the question's intent prefers, per feature: by heading, path and tags
        (intent, slot: of the intent's sections, when it names some) or by content (figures)."""
        match = query.intent
        intent = match.intent
        out: dict[str, np.ndarray] = {}
        if intent is not None and intent.sections:
            out["intent"] = self._sections_of_kind(intent)
        if match.slot_phrases:  # the value narrows what the intent asks for, never replaces it:
            slot = self._ids_with_any(match.slot_phrases, KIND_FIELDS)  # "best practices in finance"
            out["slot"] = _common(slot, out["intent"]) if "intent" in out else slot  # is not Finance use cases
        if intent is not None and intent.prefer:  # (one feature, "figures": prices are figures too)
            out["figures"] = np.flatnonzero(self._holding(intent.prefer))
        return out

    def _sections_of_kind(self, intent: Intent) -> np.ndarray:
        """The sections `intent` looks for, not list items: their heading, path or tags name
        one of its section words. Found once per intent, when first asked for."""
        found = self._of_kind.get(intent.id)
        if found is None:
            ids = self._ids_with_any(intent.sections, KIND_FIELDS)
            found = self._of_kind[intent.id] = ids[~self._items[ids]]
        return found

    def _defines(self, topic: str, ids: np.ndarray) -> np.ndarray:
        """Per section of `ids`: 1 when its opening defines the 'what is X' term (bot/definitions.py)."""
        pattern = term_pattern(topic, self._text)
        if pattern is None:
            return np.zeros(len(ids))
        sections = self.index.sections
        return np.fromiter((defines(sections[sid].text, pattern) for sid in ids.tolist()), dtype=float, count=len(ids))

    def _holding(self, kind: str) -> np.ndarray:
        """Per section: does it hold `kind` of content, "figures" (market figures, statistics)
        or "prices" (an amount of money)? Found once, when first asked for."""
        mask = self._holding_masks.get(kind)
        if mask is None:
            holds_it = _HOLDS[kind]
            mask = self._holding_masks[kind] = np.fromiter((holds_it(s.searchable) for s in self.index.sections),
                                                           dtype=bool, count=self.index.n)
        return mask

    def _ids_with_all(self, phrase: Phrase, fields: tuple[str, ...]) -> np.ndarray:
        """Sections holding every term of `phrase` in one of `fields` (order not checked), in order.
        A stop word is no term the index holds: "use cases" is found by "cases" (it was found
        nowhere, so a heading "Use Cases" was not one the use-cases intent looks for)."""
        result: np.ndarray | None = None
        for t in (t for t in phrase if t not in STOP_STEMS):
            parts = [self.index.field_ids(t, f) for f in fields]  # each in order, without repeats
            ids = parts[0] if len(parts) == 1 else _union(parts) if parts else _NO_IDS
            result = ids if result is None else _common(result, ids)
            if not len(result):
                break
        return result if result is not None else _NO_IDS

    def _ids_with_any(self, phrases: tuple[Phrase, ...], fields: tuple[str, ...]) -> np.ndarray:
        parts = [self._ids_with_all(p, fields) for p in phrases]
        parts = [p for p in parts if len(p)]
        return _union(parts) if parts else np.zeros(0, dtype=np.int32)

