"""The index's fast paths (one merged postings list per term, binary-searched candidates)
give the BM25F and per-field BM25 figures the textbook per-field computation gives.

The reference below reads each field's postings one by one, as the formula is written:
a term's BM25F frequency is the sum over fields of weight x count / length norm, saturated
once; a field's own BM25 saturates its own normalised count. Checked on a real corpus.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.index import FIELDS, SectionIndex
from bot.knowledge import KnowledgeBase
from bot.ranking import BM25F, PLAIN_K1, Bm25f

from .conftest import SHARED

QUESTIONS = ["pipeline caching", "how do I run a notebook server with GPUs", "katib hyperparameter tuning",
             "kfp component dependencies from a private pypi", "istio dex authentication", "zzzunknownword"]


# the constants the index is built with, and others such as `fit_ranking.py --bm25f` tries
OTHER_BM25F = Bm25f(fields={"heading": (1.5, 0.0), "context": (2.0, 0.75), "body": (1.0, 0.9), "meta": (0.3, 0.5)},
                    k1=2.0)


@pytest.fixture(scope="module", params=[BM25F, OTHER_BM25F], ids=["fitted", "other"])
def index(request: pytest.FixtureRequest) -> SectionIndex:
    corpus = SHARED / "corpora" / "kubeflow"
    if not corpus.is_dir():
        pytest.skip(f"{corpus} not found")
    kb = KnowledgeBase.load(Path(corpus))
    return kb.index if request.param is BM25F else SectionIndex(kb.sections, bm25f=request.param)


def _terms(index: SectionIndex, question: str) -> dict[str, float]:
    return {t: 1.0 for t in index.analyser.terms(question)}


def _reference(index: SectionIndex, weighted: dict[str, float], ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(BM25F per section, per-field BM25 rows + plain BM25 row for `ids`), field by field."""
    k1 = index.bm25f.k1
    bm25f = np.zeros(index.n)
    rows = np.zeros((len(FIELDS) + 1, len(ids)))
    for term, qw in weighted.items():
        tid = index.term_ids.get(term)
        if tid is None:
            continue
        weight = qw * float(index.idf_array[tid])
        tf = np.zeros(index.n)
        plain = np.zeros(index.n)
        for row, f in enumerate(FIELDS):
            got = index.fields[f].get(tid)
            if got is None:
                continue
            sids, weighted_tf = got
            tf[sids] += weighted_tf
            own = weighted_tf / index.bm25f.fields[f][0]
            per_section = np.zeros(index.n)
            per_section[sids] = weight * own * (k1 + 1) / (own + k1)
            rows[row] += per_section[ids]
            if f in ("heading", "body"):
                plain[sids] += index.fields[f].tf[index.fields[f].bounds[tid]:index.fields[f].bounds[tid + 1]]
        bm25f += weight * tf * (k1 + 1) / (tf + k1)
        norm = index._plain_norm[ids]
        rows[len(FIELDS)] += weight * plain[ids] * (PLAIN_K1 + 1) / (plain[ids] + norm)
    return bm25f, rows


@pytest.mark.parametrize("question", QUESTIONS)
def test_scores_match_the_per_field_formula(index: SectionIndex, question: str) -> None:
    weighted = _terms(index, question)
    total = index.score(weighted)
    ids = np.argsort(-total)[:40].astype(np.int64)
    expected_total, expected_rows = _reference(index, weighted, ids)
    assert np.allclose(total, expected_total, rtol=1e-5, atol=1e-6)
    assert np.allclose(index.field_scores(weighted, ids), expected_rows, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("question", QUESTIONS)
def test_holders_are_the_sections_holding_a_term_in_any_field(index: SectionIndex, question: str) -> None:
    for term in _terms(index, question):
        per_field = [index.field_ids(term, f) for f in FIELDS]
        expected = np.unique(np.concatenate(per_field)) if per_field else np.zeros(0)
        assert np.array_equal(index.holders(term), expected)
        assert np.array_equal(np.flatnonzero(index.presence(term)), expected)
        assert index.df(term) == len(expected)
