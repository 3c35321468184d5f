"""A BM25F index over sections, in NumPy, rebuilt whole whenever the knowledge changes.

Each section is indexed in four fields — its own heading, its context (ancestor
headings and document title), its body, and the document's metadata (tags, aliases,
description) — with per-field weights and length normalisation combined before
saturation (BM25F), so a term in a heading counts more than the same term in passing.
IDF is Lucene's, which never goes negative, so small corpora rank sensibly.
"""

from __future__ import annotations

from itertools import chain

import numpy as np

from .markdown import index_text
from .models import Section
from .text import SURFACE_TERMS, content_words, terms, token_terms, tokens

FIELDS = ("heading", "context", "body", "meta")
# field: (weight, length normalisation b)
FIELD_PARAMS: dict[str, tuple[float, float]] = {
    "heading": (3.0, 0.4),
    "context": (1.2, 0.4),
    "body": (1.0, 0.75),
    "meta": (0.6, 0.5),
}
K1 = 1.2
_EMPTY = np.zeros(0, dtype=np.int32)
_SEPARATOR = "QQsectionQQbreakQQ"  # a token no text contains: where one section ends


class _FieldPostings:
    """Postings of one field as three flat arrays: term boundaries, section ids, weights."""

    def __init__(self, tids: np.ndarray, sid: np.ndarray, n_sections: int, n_terms: int,
                 weight: float, b: float) -> None:
        lengths = np.bincount(sid, minlength=n_sections).astype(np.float32)
        avg = max(float(lengths.mean()), 1e-9)
        norm = 1.0 - b + b * lengths / avg
        keys, tf = np.unique(tids * n_sections + sid, return_counts=True)
        self.keys = keys  # term id * sections + section id, sorted and unique
        key_terms = keys // n_sections
        self.ids = (keys % n_sections).astype(np.int32)
        self.weights = (weight * tf / norm[self.ids]).astype(np.float32)
        self.bounds = np.searchsorted(key_terms, np.arange(n_terms + 1))

    def get(self, tid: int) -> tuple[np.ndarray, np.ndarray] | None:
        s, e = self.bounds[tid], self.bounds[tid + 1]
        if s == e:
            return None
        return self.ids[s:e], self.weights[s:e]


class SectionIndex:
    """Term statistics for a list of sections; `score` returns one BM25F score per section."""

    def __init__(self, sections: list[Section]) -> None:
        self.sections = sections
        self.n = len(sections)
        self._labels: dict[int, str] = {}
        term_ids: dict[str, int] = {}
        tid_of = term_ids.setdefault
        flat: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        token_ids: dict[str, tuple[int, ...]] = {_SEPARATOR: (-1,)}

        def tokenised(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
            """(term ids, section ids) of every token of `texts`, one text per section.

            All texts are joined with a separator token and tokenised in one pass, so the
            per-token work runs in C (findall, map, chain) rather than once per section.
            """
            toks = tokens(f" {_SEPARATOR} ".join(texts))
            for tok in set(toks).difference(token_ids):
                token_ids[tok] = tuple(tid_of(t, len(term_ids)) for t in token_terms(tok))
            per_token = list(map(token_ids.__getitem__, toks))
            ids = np.fromiter(chain.from_iterable(per_token), dtype=np.int64)
            boundary = ids < 0
            sids = np.cumsum(boundary)
            return ids[~boundary], sids[~boundary]

        cache: dict[str, list[int]] = {}  # context and metadata strings repeat across a document

        def cached_ids(text: str) -> list[int]:
            got = cache.get(text)
            if got is None:
                got = cache[text] = [tid_of(t, len(term_ids)) for t in terms(text)]
            return got

        self._plain: dict[int, str] = {}
        flat["heading"] = tokenised([sec.heading or sec.doc.title for sec in sections])
        flat["body"] = tokenised([index_text(sec.text) for sec in sections])
        for f in ("context", "meta"):
            ids_list: list[int] = []
            sid_list: list[int] = []
            for sec in sections:
                doc = sec.doc
                if f == "context":
                    text = " ".join((*doc.breadcrumbs, *sec.path[:-1], doc.title if sec.heading else ""))
                else:
                    text = " ".join((*doc.tags, *doc.aliases, doc.description))
                got = cached_ids(text)
                if got:
                    ids_list.extend(got)
                    sid_list.extend([sec.id] * len(got))
            flat[f] = (np.asarray(ids_list, dtype=np.int64), np.asarray(sid_list, dtype=np.int64))

        n_terms = len(term_ids)
        self.term_ids = term_ids
        self.fields = {
            f: _FieldPostings(flat[f][0], flat[f][1], max(self.n, 1), n_terms, *FIELD_PARAMS[f])
            for f in FIELDS
        }
        # document frequency: sections holding the term in any field
        df = np.zeros(n_terms, dtype=np.int64)
        if n_terms:
            pairs = np.concatenate([fp.keys for fp in self.fields.values()])
            pairs.sort()
            first = np.ones(len(pairs), dtype=bool)
            first[1:] = pairs[1:] != pairs[:-1]
            df = np.bincount(pairs[first] // max(self.n, 1), minlength=n_terms)
        self.df_array = df
        self.idf_array = np.log1p((self.n - df + 0.5) / (df + 0.5)).astype(np.float32)
        self.max_idf = float(np.log1p((self.n + 0.5) / 0.5)) if self.n else 1.0
        # Every word seen whose term is in this index: what a typo can be corrected to.
        self.vocabulary = {w: t for w, t in SURFACE_TERMS.items()
                           if t in term_ids and len(w) > 2 and not w.isdigit()}

    def plain(self, sid: int) -> str:
        """A section's heading and words in lower case, for phrase checks on candidates."""
        got = self._plain.get(sid)
        if got is None:
            sec = self.sections[sid]
            got = self._plain[sid] = f"{sec.heading or sec.doc.title}\n{index_text(sec.text)}".lower()
        return got

    def label(self, sid: int) -> str:
        """A section's heading (or its document's title) as content words, for fuzzy likeness."""
        got = self._labels.get(sid)
        if got is None:
            sec = self.sections[sid]
            got = self._labels[sid] = " ".join(content_words(sec.heading or sec.doc.title))
        return got

    def has(self, term: str) -> bool:
        return term in self.term_ids

    def df(self, term: str) -> int:
        tid = self.term_ids.get(term)
        return int(self.df_array[tid]) if tid is not None else 0

    def idf(self, term: str) -> float:
        tid = self.term_ids.get(term)
        return float(self.idf_array[tid]) if tid is not None else self.max_idf

    def score(self, weighted_terms: dict[str, float]) -> np.ndarray:
        """BM25F score of every section for terms given with query weights."""
        scores = np.zeros(self.n, dtype=np.float32)
        for term, qw in weighted_terms.items():
            tid = self.term_ids.get(term)
            if tid is None:
                continue
            acc = np.zeros(self.n, dtype=np.float32)
            for fp in self.fields.values():
                got = fp.get(tid)
                if got is not None:
                    acc[got[0]] += got[1]
            hit = np.nonzero(acc)[0]
            tf = acc[hit]
            scores[hit] += (qw * float(self.idf_array[tid])) * tf * (K1 + 1.0) / (tf + K1)
        return scores

    def field_ids(self, term: str, field: str) -> np.ndarray:
        """Section ids holding `term` in one field."""
        tid = self.term_ids.get(term)
        got = self.fields[field].get(tid) if tid is not None else None
        return got[0] if got is not None else _EMPTY

    def presence(self, term: str, fields: tuple[str, ...] = FIELDS) -> np.ndarray:
        """A boolean per section: does it hold `term` in any of `fields`."""
        mask = np.zeros(self.n, dtype=bool)
        tid = self.term_ids.get(term)
        if tid is not None:
            for f in fields:
                got = self.fields[f].get(tid)
                if got is not None:
                    mask[got[0]] = True
        return mask
