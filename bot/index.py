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
from .ranking import BM25F, PLAIN_B, PLAIN_K1, Bm25f
from .text import Analyser, fold, token_runs, with_versions

FIELDS = ("heading", "context", "body", "meta")
_EMPTY = np.zeros(0, dtype=np.int32)
_SEPARATOR = "QQsectionQQbreakQQ"  # a token no text contains: where one section ends
_SEPARATOR_RUN = _SEPARATOR.encode()


class _Numbering(dict[bytes, int]):
    """Numbers keys in first-seen order: a miss stores the next number (one lookup per key)."""

    def __missing__(self, key: bytes) -> int:
        number = self[key] = len(self)
        return number


class _FieldPostings:
    """Postings of one field as three flat arrays: term boundaries, section ids, weights."""

    def __init__(self, tids: np.ndarray, sid: np.ndarray, n_sections: int, n_terms: int,
                 weight: float, b: float) -> None:
        lengths = np.bincount(sid, minlength=n_sections).astype(np.float32)
        avg = max(float(lengths.mean()), 1e-9)
        norm = 1.0 - b + b * lengths / avg
        keys, tf = _count_pairs(tids, sid, n_sections, n_terms)
        self.keys = keys  # term id * sections + section id, sorted and unique
        key_terms = keys // n_sections
        self.ids = (keys % n_sections).astype(np.int32)
        self.weights = (weight * tf / norm[self.ids]).astype(np.float32)
        self.tf = tf.astype(np.float32)  # raw counts, for the plain BM25 over heading and body
        self.lengths = lengths
        self.bounds = np.searchsorted(key_terms, np.arange(n_terms + 1))

    def get(self, tid: int) -> tuple[np.ndarray, np.ndarray] | None:
        s, e = self.bounds[tid], self.bounds[tid + 1]
        if s == e:
            return None
        return self.ids[s:e], self.weights[s:e]


def _count_pairs(tids: np.ndarray, sid: np.ndarray, n_sections: int,
                 n_terms: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct keys `tid * n_sections + sid`, sorted, and how often each occurs.

    Same result as `np.unique(keys, return_counts=True)`, faster: the section ids come in
    order (tokens are read section by section), so a stable sort by term id alone sorts
    the pairs, and for up to 65,536 terms numpy does that with a radix sort in linear
    time instead of comparison-sorting a million 64-bit keys.
    """
    keys = tids * n_sections + sid
    if not len(keys):
        return keys, np.zeros(0, dtype=np.intp)
    if n_terms <= 1 << 16 and bool(np.all(sid[1:] >= sid[:-1])):
        keys = keys[np.argsort(tids.astype(np.uint16), kind="stable")]
    else:
        keys = np.sort(keys)
    first = np.empty(len(keys), dtype=bool)
    first[0] = True
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    return keys[starts], np.diff(np.append(starts, len(keys)))


def _any_field(fields: list[_FieldPostings], n_sections: int, n_terms: int,
               k1: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per term, every section holding it in any field and its BM25F frequency there (the
    fields' weighted, length-normalised counts summed) already saturated: (term boundaries,
    section ids, saturated frequencies). A question's score is then one gather per term.

    The largest field's keys (the body's) are already sorted and unique; the others are
    sorted, appended, and merged by a stable sort that finds two sorted runs (linear time),
    instead of sorting every field's keys from scratch.
    """
    by_size = sorted(fields, key=lambda fp: len(fp.keys))
    rest_keys = np.concatenate([fp.keys for fp in by_size[:-1]])
    order = np.argsort(rest_keys, kind="stable")
    keys = np.concatenate((by_size[-1].keys, rest_keys[order]))
    weights = np.concatenate((by_size[-1].weights, np.concatenate([fp.weights for fp in by_size[:-1]])[order]))
    order = np.argsort(keys, kind="stable")
    keys, weights = keys[order], weights[order]
    if not len(keys):
        return np.zeros(n_terms + 1, dtype=np.intp), _EMPTY, np.zeros(0, dtype=np.float32)
    first = np.empty(len(keys), dtype=bool)
    first[0] = True
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    tf = np.add.reduceat(weights, starts)
    keys = keys[starts]
    bounds = np.searchsorted(keys // n_sections, np.arange(n_terms + 1))
    return bounds, (keys % n_sections).astype(np.int32), (tf * (k1 + 1.0) / (tf + k1)).astype(np.float32)


def _expand(codes: np.ndarray, table: list[tuple[str, ...]], term_ids: dict[str, int],
            separator: int) -> tuple[np.ndarray, np.ndarray]:
    """(term ids, section ids) of a token stream given as codes into `table`.

    `table[code]` holds the terms of one distinct token (none for a stop word, several
    for camelCase); the token coded `separator` ends a section. Expanding with numpy
    (repeat and gather) replaces a Python-level pass over a million tokens.
    """
    sizes = np.fromiter(map(len, table), dtype=np.int64, count=len(table))
    flat = np.fromiter(map(term_ids.__getitem__, chain.from_iterable(table)), dtype=np.int64,
                       count=int(sizes.sum()))
    section = np.cumsum(codes == separator)
    per_token = sizes[codes]
    total = int(per_token.sum())
    first_out = np.cumsum(per_token) - per_token  # where each token's terms go in the output
    first_in = np.cumsum(sizes) - sizes  # where each distinct token's terms are in `flat`
    where = np.arange(total) + np.repeat(first_in[codes] - first_out, per_token)
    return flat[where], np.repeat(section, per_token)


class SectionIndex:
    """Term statistics for a list of sections; `score` returns one BM25F score per section."""

    def __init__(self, sections: list[Section], analyser: Analyser | None = None, bm25f: Bm25f = BM25F) -> None:
        self.analyser = analyser or Analyser()  # the knowledge base's: how its texts became terms
        self.bm25f = bm25f
        self.sections = sections
        self.n = len(sections)
        self._labels: dict[int, str] = {}
        self._plain: dict[int, str] = {}
        term_ids: dict[str, int] = {}
        self._term_ids = term_ids
        heading = self._tokenised([with_versions(sec.heading or sec.doc.title) for sec in sections])
        body = self._tokenised([index_text(sec.searchable) for sec in sections])
        context = self._per_section([
            with_versions(" ".join((*sec.doc.breadcrumbs, *sec.path[:-1], sec.doc.title if sec.heading else "")))
            for sec in sections])
        meta = self._per_section([" ".join((*sec.doc.tags, *sec.doc.aliases, sec.doc.description))
                                  for sec in sections])
        flat = {"heading": heading, "body": body, "context": context, "meta": meta}

        n_terms = len(term_ids)
        self.term_ids = term_ids
        self.fields = {
            f: _FieldPostings(flat[f][0], flat[f][1], max(self.n, 1), n_terms, *bm25f.fields[f])
            for f in FIELDS
        }
        # plain BM25 (Lucene's k1 and b) over heading and body as one text: what a team
        # would get from an off-the-shelf BM25, kept as one feature among the others
        plain_len = self.fields["heading"].lengths + self.fields["body"].lengths
        self._plain_norm = (PLAIN_K1 * (1.0 - PLAIN_B + PLAIN_B * plain_len / max(float(plain_len.mean()), 1e-9))
                            ).astype(np.float32)
        # per term, the sections holding it in any field (their number is its document frequency)
        self._any_bounds, self._any_ids, self._any_saturated = _any_field(list(self.fields.values()), max(self.n, 1),
                                                                          n_terms, bm25f.k1)
        df = np.diff(self._any_bounds).astype(np.int64)
        self.df_array = df
        self.idf_array = np.log1p((self.n - df + 0.5) / (df + 0.5)).astype(np.float32)
        self.max_idf = float(np.log1p((self.n + 0.5) / 0.5)) if self.n else 1.0
        # Every word of this knowledge whose term is indexed: what a typo can be corrected
        # to. Taken from the analyser that read these texts, which belongs to this knowledge
        # base alone (no process-wide cache that other corpora and questions fill), so a
        # reload answers like a fresh start.
        self.vocabulary = {w: t for w, t in sorted(self.analyser.surface.items()) if t in term_ids
                           and len(w) > 2 and not w.isdigit()}

    def _term_id(self, term: str) -> int:
        return self._term_ids.setdefault(term, len(self._term_ids))

    def _tokenised(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(term ids, section ids) of every token of `texts`, one text per section.

        All texts are joined with a separator token and cut in one pass (`token_runs`);
        the runs are numbered in one C-level pass (a dict that numbers what it lacks),
        each distinct run's terms come from a per-process cache, and numpy expands the
        stream, so no Python code runs once per token.
        """
        runs = token_runs(f" {_SEPARATOR} ".join(map(fold, texts)))
        code_of = _Numbering()
        codes = np.fromiter(map(code_of.__getitem__, runs), dtype=np.int64, count=len(runs))
        distinct = list(code_of)  # first-seen order: term ids are reproducible
        run_terms = self.analyser.run_terms
        table = [() if run == _SEPARATOR_RUN else run_terms(run) for run in distinct]
        for term in dict.fromkeys(chain.from_iterable(table)):
            self._term_id(term)
        return _expand(codes, table, self._term_ids, code_of.get(_SEPARATOR_RUN, -1))

    def _per_section(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(term ids, section ids) of short texts that repeat across a document's sections
        (its context, its metadata): each distinct text is turned into terms once."""
        cache: dict[str, list[int]] = {}
        per_text = []
        for text in texts:
            got = cache.get(text)
            if got is None:
                got = cache[text] = [self._term_id(t) for t in self.analyser.terms(text)]
            per_text.append(got)
        sizes = np.fromiter(map(len, per_text), dtype=np.int64, count=len(per_text))
        ids = np.fromiter(chain.from_iterable(per_text), dtype=np.int64, count=int(sizes.sum()))
        return ids, np.repeat(np.arange(len(per_text), dtype=np.int64), sizes)

    def plain(self, sid: int) -> str:
        """A section's heading and words in lower case, for phrase checks on candidates."""
        got = self._plain.get(sid)
        if got is None:
            sec = self.sections[sid]
            got = self._plain[sid] = fold(f"{sec.heading or sec.doc.title}\n{index_text(sec.searchable)}").lower()
        return got

    def label(self, sid: int) -> str:
        """A section's heading (or its document's title) as content words, for fuzzy likeness."""
        got = self._labels.get(sid)
        if got is None:
            sec = self.sections[sid]
            got = self._labels[sid] = " ".join(self.analyser.content_words(sec.heading or sec.doc.title))
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
            if tid is not None:
                s, e = self._any_bounds[tid], self._any_bounds[tid + 1]
                scores[self._any_ids[s:e]] += (qw * float(self.idf_array[tid])) * self._any_saturated[s:e]
        return scores

    def best_score(self, weighted_terms: dict[str, float]) -> float:
        """The BM25F score a section holding every term (saturated) would reach: what the
        ranking features divide by, so they read as shares whatever the question's length."""
        return sum(qw * float(self.idf_array[tid]) * (self.bm25f.k1 + 1.0)
                   for term, qw in weighted_terms.items() if (tid := self.term_ids.get(term)) is not None)

    def field_scores(self, weighted_terms: dict[str, float], ids: np.ndarray) -> np.ndarray:
        """For the sections `ids` only: BM25 of each field alone (rows in FIELDS order), then
        plain BM25 over heading and body as one text (a last row). Each (term, candidate)
        pair is looked up by binary search in each field's sorted keys, all pairs at once:
        the cost grows with the number of candidates, not with how common a term is."""
        out = np.zeros((len(FIELDS) + 1, len(ids)), dtype=np.float64)
        known = [(tid, qw * float(self.idf_array[tid])) for term, qw in weighted_terms.items()
                 if (tid := self.term_ids.get(term)) is not None]
        if not known or not len(ids):
            return out
        tids = np.array([tid for tid, _ in known], dtype=np.int64)
        weights = np.array([weight for _, weight in known], dtype=np.float64)[:, None]
        wanted = tids[:, None] * max(self.n, 1) + ids[None, :].astype(np.int64)  # terms x candidates
        plain = np.zeros(wanted.shape, dtype=np.float64)
        k1 = self.bm25f.k1
        for row, f in enumerate(FIELDS):
            postings = self.fields[f]
            if not len(postings.keys):
                continue
            at = np.minimum(np.searchsorted(postings.keys, wanted), len(postings.keys) - 1)
            held = postings.keys[at] == wanted
            tf = np.where(held, postings.weights[at], 0.0) / self.bm25f.fields[f][0]  # its own BM25: no BM25F weight
            out[row] = (weights * tf * (k1 + 1.0) / (tf + k1)).sum(axis=0)
            if f in ("heading", "body"):
                plain += np.where(held, postings.tf[at], 0.0)
        out[len(FIELDS)] = (weights * plain * (PLAIN_K1 + 1.0) / (plain + self._plain_norm[ids][None, :])).sum(axis=0)
        return out

    def field_ids(self, term: str, field: str) -> np.ndarray:
        """Section ids holding `term` in one field."""
        tid = self.term_ids.get(term)
        got = self.fields[field].get(tid) if tid is not None else None
        return got[0] if got is not None else _EMPTY

    def holders(self, term: str) -> np.ndarray:
        """Section ids holding `term` in any field, in order."""
        tid = self.term_ids.get(term)
        return self._any_ids[self._any_bounds[tid]:self._any_bounds[tid + 1]] if tid is not None else _EMPTY

    def presence(self, term: str, fields: tuple[str, ...] = FIELDS) -> np.ndarray:
        """A boolean per section: does it hold `term` in any of `fields`."""
        mask = np.zeros(self.n, dtype=bool)
        tid = self.term_ids.get(term)
        if tid is not None and fields == FIELDS:
            mask[self.holders(term)] = True
        elif tid is not None:
            for f in fields:
                got = self.fields[f].get(tid)
                if got is not None:
                    mask[got[0]] = True
        return mask
