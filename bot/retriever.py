"""From a question to ranked sections, or to a confident "nothing here".

The steps, each cheap: clean the question; correct typos against the index vocabulary
(rapidfuzz over single words, never over section texts); recognise the intent; add
synonyms at reduced weight; score with BM25F; favour the sections the intent prefers
and the ones that cover more of the question; and abstain when the best section does
not cover enough of what was asked.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from .intents import IntentCatalog, IntentMatch, Phrase
from .knowledge import KnowledgeBase
from .models import Hit, Section
from .sections import has_figures
from .text import STOP_STEMS, content_words, stem, term_of
from .text import words as all_words

MAX_QUERY_CHARS = 500  # longer questions are read up to here
MAX_QUERY_WORDS = 32
CORRECTED_WEIGHT = 0.8
EXPANSION_WEIGHT = 0.3
MIN_COVERAGE = 0.5  # share of the question's weight (IDF) the best section must contain
CANDIDATES = 60
COVERAGE_SHARE = 0.6  # how much of a section's score depends on covering the whole question
LABEL_BONUS = 0.5  # extra for sections whose heading or path names what was asked
LABEL_FIELDS = ("heading", "context")
CONTINUATION_PRIOR = 0.9  # a section's later passages say its gist less often than its first
TOP_FOR_COVERAGE = 5  # abstain unless one of this many best sections covers the question
PHRASE_BONUS = 0.5  # extra for sections holding the question's neighbouring words together
LABEL_MATCH_BONUS = 0.5  # extra for a heading (or title) that reads like the question
LABEL_MATCH_FLOOR = 60.0  # token_sort_ratio below this is no likeness at all
NAMED_CANDIDATES = 10  # sections added to the candidates because their heading reads like the question
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")  # terminal codes
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u2028-\u202e\u2060-\u206f]")
_MENTION = re.compile(r"<[@#!][^>\s]*>|(?<!\w)@(?:everyone|here|channel)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class QueryWord:
    """One word of the question as the index understands it."""

    word: str  # as typed
    term: str  # index term (after correction)
    known: bool  # the index has the term
    corrected_from: str = ""  # the typed word, when `word` is a correction


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


@dataclass(slots=True)
class SearchResult:
    query: Query
    hits: list[Hit]
    coverage: float = 0.0
    abstained: bool = False


def clean_question(text: str) -> str:
    """The question without control characters or platform mention markup, length-capped."""
    text = text or ""
    if "\x1b" in text:
        text = _ANSI.sub("", text)
    text = _CONTROL.sub(" ", text)
    text = _MENTION.sub(" ", text)
    return re.sub(r"\s+", " ", text).strip()[:MAX_QUERY_CHARS]


_WORD_GAP = re.compile(r"\w*\W+")  # the rest of a word and the gap after it


def _near(text: str, first: str, second: str) -> bool:
    """Does a word starting with `first` stand at most two words before one starting with `second`?"""
    if first not in text or second not in text:
        return False
    start = text.find(first)
    while start >= 0:
        if start == 0 or not text[start - 1].isalnum():
            pos = start + len(first)
            for _ in range(3):  # the next word, or one or two words further on
                m = _WORD_GAP.match(text, pos)
                if m is None:
                    break
                pos = m.end()
                if text.startswith(second, pos):
                    return True
        start = text.find(first, start + 1)
    return False


class Retriever:
    def __init__(self, kb: KnowledgeBase, catalog: IntentCatalog) -> None:
        self.kb = kb
        self.index = kb.index
        self.catalog = catalog
        vocab = dict(self.index.vocabulary)
        for w in catalog.words:
            vocab.setdefault(w, term_of(w))
        self._known_terms = set(vocab.values())
        self._by_length: dict[int, list[str]] = defaultdict(list)
        for w in vocab:
            self._by_length[len(w)].append(w)
        self._vocab = vocab
        self._figure_mask: np.ndarray | None = None
        self._intros = np.array([s.kind == "intro" for s in self.index.sections], dtype=bool)
        self._continuations = np.array([s.kind == "passage" for s in self.index.sections], dtype=bool)
        self._not_items = np.array([s.kind != "item" for s in self.index.sections], dtype=bool)

    # -- question analysis -------------------------------------------------------------

    def correct(self, word: str) -> str | None:
        """The vocabulary word closest to a word the index does not know, if close enough.

        One edit (a transposition counts as one) for words of 6–9 letters, two from 10, and
        the first letter must stay: typos rarely hit it, while short or first-letter
        "corrections" turn real words the knowledge never uses into words it does
        ("bread" into "read"). Among equally close words the most common in the index wins.
        """
        n = len(word)
        if n < 6 or word.isdigit():
            return None
        allowed = 1 if n < 10 else 2
        best: tuple[int, int, str] | None = None
        for length in range(n - allowed, n + allowed + 1):
            candidates = self._by_length.get(length)
            if not candidates:
                continue
            for cand, dist, _ in process.extract(word, candidates, scorer=OSA.distance,
                                                 score_cutoff=allowed, limit=None):
                if cand[0] != word[0]:
                    continue
                rank = (int(dist), -self.index.df(self._vocab[cand]), cand)
                if best is None or rank < best:
                    best = rank
        return best[2] if best else None

    def _indexed_synonym(self, term: str) -> str | None:
        """The most common synonym of `term` (from the catalog) that the index holds."""
        found = [alt for alt in self.catalog.alternatives(term) if self.index.has(alt)]
        return max(found, key=self.index.df) if found else None

    def analyse(self, text: str) -> Query:
        cleaned = self.catalog.strip_bot_name(clean_question(text))
        words: list[QueryWord] = []
        for w in content_words(cleaned)[:MAX_QUERY_WORDS]:
            t = term_of(w)
            if self.index.has(t) or t in self._known_terms:
                words.append(QueryWord(w, t, self.index.has(t)))
                continue
            synonym = self._indexed_synonym(t)
            if synonym is not None:  # "pick" when the docs say "choose"
                words.append(QueryWord(w, synonym, True))
                continue
            fixed = self.correct(w)
            if fixed is not None:
                ft = self._vocab[fixed]
                words.append(QueryWord(fixed, ft, self.index.has(ft), corrected_from=w))
            else:
                words.append(QueryWord(w, t, False))
        fixes = {w.corrected_from: w.word for w in words if w.corrected_from}
        qterms = [stem(fixes.get(w, w).replace("'", "")) for w in all_words(cleaned)]
        intent = self.catalog.classify(cleaned, qterms)
        weights: dict[str, float] = {}
        for w in words:
            weight = CORRECTED_WEIGHT if w.corrected_from else 1.0
            weights[w.term] = max(weights.get(w.term, 0.0), weight)
        extra: list[Phrase] = list(self.catalog.expansions(qterms))
        if intent.intent is not None:
            extra.extend(intent.intent.expand)
        extra.extend(intent.slot_phrases)
        for phrase in extra:
            for t in phrase:
                if t not in weights and t not in STOP_STEMS:
                    weights[t] = EXPANSION_WEIGHT
        return Query(text, cleaned, intent, words, weights)

    # -- ranking -----------------------------------------------------------------------

    def search(self, text: str, top: int = 5) -> SearchResult:
        query = self.analyse(text)
        intent = query.intent.intent
        if (intent is not None and intent.answer) or not query.words or not self.index.n:
            return SearchResult(query, [], abstained=intent is None or not intent.answer)
        scores = self.index.score(query.weights)
        if not scores.any():
            return SearchResult(query, [], abstained=True)
        self._boost(query, scores)
        coverage, label, matched = self._coverage(query)
        scores *= (1.0 - COVERAGE_SHARE + COVERAGE_SHARE * coverage) * (1.0 + LABEL_BONUS * label)
        k = min(CANDIDATES, int(np.count_nonzero(scores)))
        cand = np.argpartition(-scores, k - 1)[:k]
        asked = " ".join(w.word for w in query.words)
        cand = np.union1d(cand, self._named_like(query, asked))
        pairs = self._pair_patterns(query)
        plain = self.index.plain
        for sid in cand.tolist():
            factor = 1.0 + LABEL_MATCH_BONUS * self._label_match(asked, self.index.sections[sid])
            if pairs:
                text = plain(sid)
                found = sum(1 for a, b in pairs if _near(text, a, b))
                factor *= 1.0 + PHRASE_BONUS * found / len(pairs)
            scores[sid] *= factor
        scores[cand[self._continuations[cand]]] *= CONTINUATION_PRIOR
        order = cand[np.argsort(-scores[cand], kind="stable")]
        head = order[:TOP_FOR_COVERAGE]
        needed = min(2, len({w.term for w in query.words}))
        confident = (coverage[head] >= MIN_COVERAGE) & (matched[head] >= needed)
        best_cov = float(coverage[head].max())
        if not confident.any():
            return SearchResult(query, [], coverage=best_cov, abstained=True)
        hits: list[Hit] = []
        for sid in order.tolist():
            sec = self.index.sections[sid]
            if any(sec.text in h.section.text for h in hits):
                continue
            hits.append(Hit(sec, float(scores[sid])))
            if len(hits) >= top:
                break
        return SearchResult(query, hits, coverage=best_cov)

    def _named_like(self, query: Query, asked: str) -> np.ndarray:
        """Sections whose heading holds every word asked and reads most like the question.

        BM25 alone can leave "What Is Amazon SageMaker?" out of the candidates when every
        section says "SageMaker"; a heading that is the question deserves a look.
        """
        known = tuple(dict.fromkeys(w.term for w in query.words if w.known))
        if not known:
            return np.zeros(0, dtype=np.int64)
        ids = self._ids_with_all(known, ("heading",))
        if len(ids) <= NAMED_CANDIDATES:
            return ids.astype(np.int64)
        label = self.index.label
        found = process.extract(asked, {i: label(i) for i in ids.tolist()}, scorer=fuzz.token_sort_ratio,
                                limit=NAMED_CANDIDATES)
        return np.array([key for _, _, key in found], dtype=np.int64)

    def _label_match(self, asked: str, sec: Section) -> float:
        """0..1: how closely the question reads like the section's heading (or its document's
        title and description, for an intro): QnA-style "the heading is the question"."""
        if sec.kind not in ("heading", "intro"):
            return 0.0  # an item's bold label or a later passage is not a heading
        labels = [sec.heading] if sec.heading else [sec.doc.title]
        if sec.kind == "intro" and sec.doc.description:
            labels.append(sec.doc.description)
        best = 0.0
        for label in labels:
            words = " ".join(content_words(label))
            if words:
                best = max(best, fuzz.token_sort_ratio(asked, words))
        return max(0.0, (best - LABEL_MATCH_FLOOR) / (100.0 - LABEL_MATCH_FLOOR))

    def _pair_patterns(self, query: Query) -> list[tuple[str, str]]:
        """Neighbouring question words, as regexes that find them near each other in a text.

        Each word matches by the part it shares with its stem ("instances" by "instanc"),
        and up to two words may stand between them ("infrastructure as a service").
        """
        def prefix(word: str, term: str) -> str:
            n = 0
            while n < min(len(word), len(term)) and word[n] == term[n]:
                n += 1
            return word[: max(n, 3)]

        ws = [w for w in query.words if w.known]
        return [
            (prefix(a.word, a.term), prefix(b.word, b.term))
            for a, b in zip(ws, ws[1:]) if a.term != b.term
        ]

    def _coverage(self, query: Query) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per section: the share of the question's IDF it holds anywhere and in its labels,
        and how many of the question's distinct words it holds.

        Unknown words weigh as much as the rarest term, so a question that is mostly about
        something the knowledge never mentions cannot be covered.
        """
        core: dict[str, float] = {}
        for w in query.words:
            idf = self.index.idf(w.term) if w.known else self.index.max_idf
            core[w.term] = max(core.get(w.term, 0.0), idf)
        total = sum(core.values()) or 1.0
        anywhere = np.zeros(self.index.n, dtype=np.float32)
        labels = np.zeros(self.index.n, dtype=np.float32)
        matched = np.zeros(self.index.n, dtype=np.int32)
        for term, idf in core.items():
            alts = self.catalog.alternatives(term)
            found = self.index.presence(term)
            named = self.index.presence(term, LABEL_FIELDS)
            for alt in alts:
                found |= self.index.presence(alt)
                named |= self.index.presence(alt, LABEL_FIELDS)
            anywhere += idf * found
            labels += idf * named
            matched += found
        return anywhere / total, labels / total, matched

    def _boost(self, query: Query, scores: np.ndarray) -> None:
        """Favour the sections an intent prefers: by heading, path and tags, or by kind."""
        match = query.intent
        intent = match.intent
        label_fields = ("heading", "context", "meta")
        if intent is not None and intent.sections:
            ids = self._ids_with_any(intent.sections, label_fields)
            scores[ids[self._not_items[ids]]] *= 1.3
        if match.slot_phrases:
            scores[self._ids_with_any(match.slot_phrases, label_fields)] *= 1.3
        if intent is not None and intent.prefer == "figures":
            scores[self._figures()] *= 1.3
        if match.topic:
            topic_terms = [self._vocab.get(w, term_of(w)) for w in content_words(match.topic)]
            topic_terms = [t for t in topic_terms if self.index.has(t)]
            if topic_terms:
                # a heading naming the topic, or a document about it (title, folder, description)
                named = self._ids_with_all(tuple(topic_terms), ("heading",))
                about = self._ids_with_all(tuple(topic_terms), ("heading", "context", "meta"))
                intros = about[self._intros[about]]
                scores[np.union1d(named, intros)] *= 1.5
                scores[intros] *= 1.2

    def _figures(self) -> np.ndarray:
        """Sections holding market figures or statistics (found once, when first asked for)."""
        if self._figure_mask is None:
            self._figure_mask = np.fromiter((has_figures(s.text) for s in self.index.sections), dtype=bool,
                                            count=self.index.n)
        return self._figure_mask

    def _ids_with_all(self, phrase: Phrase, fields: tuple[str, ...]) -> np.ndarray:
        """Sections holding every term of `phrase` in one of `fields` (order not checked)."""
        result: np.ndarray | None = None
        for t in phrase:
            parts = [self.index.field_ids(t, f) for f in fields]
            ids = np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int32)
            result = ids if result is None else np.intersect1d(result, ids, assume_unique=True)
            if not len(result):
                break
        return result if result is not None else np.zeros(0, dtype=np.int32)

    def _ids_with_any(self, phrases: tuple[Phrase, ...], fields: tuple[str, ...]) -> np.ndarray:
        parts = [self._ids_with_all(p, fields) for p in phrases]
        parts = [p for p in parts if len(p)]
        return np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int32)

