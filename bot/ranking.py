"""The ranking model: every constant that orders sections or decides to abstain, in one place.

A candidate section is described by the features below, each a number with one meaning;
its score is one formula,

    score = Σ weight[f] · feature[f]

and the weights (with the candidate counts, query-word weights and abstention threshold)
come from `benchmarks/fit_ranking.py`, which fits them (a listwise softmax model with a
cross-validated L2 penalty) on the pooled development question sets (all three corpora) and
reports the cross-validated figure (fitted on two corpora, scored on the third). Nothing
here is tuned by hand for a question.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

# feature name: what it measures (all BM25 figures are shares of the best score the
# question allows, so they mean the same for a two-word and a ten-word question)
FEATURES: dict[str, str] = {
    "bm25f": "BM25F over heading, context, body and metadata together",
    "bm25": "plain BM25 (Lucene's k1 and b) over heading and body as one text",
    "heading": "BM25 of the section's own heading (a document intro: its title)",
    "context": "BM25 of its ancestor headings, document title and folder titles",
    "body": "BM25 of its text",
    "meta": "BM25 of its document's tags, aliases and description",
    "coverage": "share of the question's weight (IDF) the section holds anywhere",
    "label_coverage": "share of the question's weight in its heading or context",
    "label_match": "how much its heading (or an intro's title) reads like the question",
    "phrase": "share of the question's neighbouring word pairs found together in its text",
    "passage": "1 for a later passage of a long section (passages rarely hold the gist)",
    "item": "1 for a bold-led list item (a fragment of its parent)",
    "intro": "1 for a document's intro",
    "intent": "1 when its heading, path or tags name what the question's intent looks for",
    "slot": "1 when they name the value asked about (an industry)",
    "figures": "1 when the question asks for figures (or prices) and the section holds some",
    "defines": "1 when its opening defines the term a 'what is X' question asks about",
    "length": "the share of the knowledge's sections shorter than it (long for this knowledge)",
    "document": "the best BM25F share of any section of its document (the document is on topic)",
    "doc_coverage": "share of the question's known weight its document holds anywhere",
    "parent": "its parent section's BM25F share (a section read in its context)",
    "overview": "label_coverage x label_match x its children (up to 4) / 4, unless the question names one child",
}


@dataclass(frozen=True, slots=True)
class Bm25f:
    """BM25F's constants, fixed when the index is built. The ranking formula weighs each
    field's own BM25 as a feature, so these mostly decide which sections become candidates
    and the match share abstention reads. `fit_ranking.py --bm25f` moves each alone: none of
    the alternatives it tries gains a question pooled without losing one held out."""

    fields: dict[str, tuple[float, float]]  # per field: (weight, length normalisation b)
    k1: float = 1.2  # term-frequency saturation


BM25F = Bm25f(fields={"heading": (3.0, 0.4), "context": (1.2, 0.4), "body": (1.0, 0.75), "meta": (0.6, 0.5)}, k1=1.2)
# the plain BM25 feature's constants: Lucene's defaults, as in bm25s, on purpose (what a team
# would get from an off-the-shelf BM25), so they are not fitted
PLAIN_K1, PLAIN_B = 1.5, 0.75
# a question word's keyness (log10 of the knowledge's use of it over English's) is read within
# these bounds for its query weight (`Params.query_keyness`): from this low an everyday word
# weighs its least (an eighth at power 1), from this high a word is fully key. Set by hand
# (the fitted minimum keyness for answering is 3.0), not fitted.
KEYNESS_FLOOR, KEYNESS_FULL = 0.5, 4.0
# a declined question's best sections are offered in its place ("did you mean") when they hold
# this share of what answering needs (`near_misses`). Set by hand: it only chooses suggestions
NEAR_MISS_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class Params:
    """Fitted values (see the module docstring); each field's comment says what it does."""

    weights: dict[str, float]  # per feature; a missing feature weighs 0
    candidates: int = 60  # best BM25F sections that are ranked by the full formula
    named_candidates: int = 10  # sections added because their heading holds every word asked
    expansion_weight: float = 0.3  # query weight of synonyms and intent words
    corrected_weight: float = 0.8  # query weight of a typo-corrected word
    query_keyness: float = 0.0  # a question word's weight times its keyness share (KEYNESS_FULL: 1) to this power
    min_coverage: float = 0.5  # abstain unless a top section holds this share of the question...
    min_match: float = 0.1  # ...and reaches this share of the best BM25F score the question allows
    coverage_depth: int = 5  # ... among this many best sections
    unknown_weight: float = 0.0  # a word the index never saw, against coverage (x the rarest word's IDF)
    name_weight: float = 1.0  # the same for one typed as a name (capitalised mid-question: "Velero")
    min_words: int = 2  # distinct question words a top section must hold (fewer if the question has fewer)
    coverage_words: int | None = None  # the share is of this many of the question's weightiest words at most
    coverage_power: float = 1.0  # a word's weight in coverage is IDF to this power (0: every word the same)...
    coverage_keyness: float = 0.0  # ...times its keyness (below, 0 if negative) to this power: filler weighs little
    min_keyness: float | None = None  # ...and holds a word whose share of sections is 10**this its share of English

    def with_values(self, **changes: object) -> "Params":
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    def weight_vector(self) -> list[float]:
        return [self.weights.get(f, 0.0) for f in FEATURES]


# Fitted by: python benchmarks/fit_ranking.py  (*-dev and *-dev2 sets pooled, and everyday
# questions as negatives; cross-validated hit@1 on -dev2, by the fit of 3 December 2026
# evening, with [vendor, provider], and `length` read within its knowledge: seeds 0.795,
# kubeflow 0.653, sagemaker 0.54; everyday questions never fitted on rejected 24, 23 and 22
# of 24. A refit lands elsewhere on the fit's plateaus and scores lower in-sample; the
# script prints how far: README, "Fitted and measured on 3 December, evening" and after)
PARAMS = Params(weights={'bm25f': 1.0, 'bm25': 0.747, 'heading': 0.575, 'context': -1.098, 'body': 0.937, 'meta': 1.16, 'coverage': 0.786, 'label_coverage': 0.315, 'label_match': 0.9, 'phrase': 0.631, 'passage': -0.385, 'item': -0.638, 'intro': 0.02, 'figures': 0.249, 'defines': 1.528, 'length': 0.018, 'document': 0.517, 'doc_coverage': 0.153, 'parent': 0.671, 'overview': 1.564}, candidates=30, named_candidates=10, expansion_weight=0.3, corrected_weight=0.8, query_keyness=1.0, min_coverage=0.6, min_match=0.1, coverage_depth=5, unknown_weight=0.0, name_weight=4.0, min_words=2, coverage_words=5, coverage_power=0.0, coverage_keyness=0.5, min_keyness=3.0)


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the best few sections hold of a question: what abstaining is decided on.

    Filler and words too short to mean anything never get here (the retriever drops them);
    words the index has never seen count against coverage as much as `unknown_weight`
    says, a name as much as `name_weight` says: a question about "Velero" is about
    something the knowledge does not cover, while a paraphrase's everyday words are not.
    Words that only name the kind of answer asked for (the intent's own words: "use cases",
    "best practices") can count for answering, never against it (`confident`). And a
    section answers only if it holds a word that is key to the knowledge (`min_keyness`):
    everyday words a large corpus happens to hold ("light" in "LightGBM") are no evidence.
    """

    held: np.ndarray  # per section (rows) and known question word (columns): does it hold it
    idfs: np.ndarray  # per known question word: its IDF
    unknown: int  # question words the index has never seen
    names: int  # ... of them typed as names
    rarest: float  # IDF of a word in one section: what an unknown word weighs
    match: np.ndarray  # per section: BM25F as a share of the best score the question allows
    distinct: int  # distinct words in the question (known or not)
    kind: np.ndarray  # per known word: does it only name the kind of answer asked for
    keyness: np.ndarray  # per known word: log10 of its share of the knowledge's sections over its share of English
    eligible: np.ndarray | None = None  # per section: may it answer at all? For a question of the intent's own
    # words alone, only a section the intent looks for (its heading, path or tags name it); for one whose
    # intent requires something of its answer (a price), only a section holding it


def confident(params: Params, evidence: Evidence) -> bool:
    """Answer only if one of the best sections covers enough of the question: the share of
    the question's words it holds, each weighing IDF ** coverage_power times its keyness **
    coverage_keyness (everyday words a paraphrase uses, "help", "make", "new", weigh little
    against it), one of them key to the knowledge (`min_keyness`). The share is of the
    question's `coverage_words` weightiest words at most: a long chat message says more
    than it asks, and its other words cannot decline it (a name the knowledge lacks still
    counts). The share is taken twice when the intent's own words are among them, with and
    without those words, and the better one counts: "telemedicine use cases" is answered by
    the section on telemedicine, which need not say "use cases". A question whose known words
    are all the intent's own, with words the index never saw besides, asks for advice on
    something the knowledge lacks ("recommend a good book"): declined. A question of the
    intent's own words alone is answered only by a section the intent looks for: "trends"
    asked of a product's docs was answered by its privacy policy, which logs visits "for
    analyzing trends". A question whose intent requires something of its answer (what a GPU
    costs an hour: a price) is answered only by a section holding it. The sections that may
    not answer hold none of its words here (`Evidence.eligible`)."""
    if evidence.eligible is not None:
        evidence = dataclasses.replace(evidence, held=evidence.held & evidence.eligible[:, None], eligible=None)
    kind = evidence.kind
    only_kind = bool(kind.any() and kind.all())  # the intent's own words alone ("emerging trends")
    if only_kind and evidence.unknown + evidence.names:
        return False  # ...and a topic the knowledge never saw ("recommend a good book")
    if _covers(params, evidence, evidence.held, evidence.idfs, evidence.distinct, evidence.keyness):
        return True
    if not kind.any():
        return False
    if only_kind:  # a key one held is enough
        # the same test with any share held: one word is enough, if it is key to the knowledge
        return _covers(params.with_values(min_coverage=0.0, min_words=1), evidence, evidence.held, evidence.idfs, 1,
                       evidence.keyness)
    topical = ~kind
    return _covers(params, evidence, evidence.held[:, topical], evidence.idfs[topical],
                   evidence.distinct - int(kind.sum()), evidence.keyness[topical])


def _covers(params: Params, evidence: Evidence, held: np.ndarray, idfs: np.ndarray, distinct: int,
            keyness: np.ndarray) -> bool:
    ok = ((_shares(params, evidence, held, idfs, keyness) >= params.min_coverage) & (evidence.match >= params.min_match)
          & (held.sum(axis=1) >= min(params.min_words, distinct)))
    if params.min_keyness is not None:  # ...among them a word key to the knowledge
        ok &= _keyed(params, held, keyness)
    return bool(ok.any())


def _shares(params: Params, evidence: Evidence, held: np.ndarray, idfs: np.ndarray, keyness: np.ndarray) -> np.ndarray:
    """Per section: the share of the question's weight it holds (see `confident`)."""
    key = np.maximum(keyness, 0.0) ** params.coverage_keyness
    weights = idfs ** params.coverage_power * key
    # a word the index never saw weighs as the rarest word would, as key as the question's most key word
    unseen = evidence.rarest ** params.coverage_power * (key.max() if len(key) else 1.0)
    counted = weights if params.coverage_words is None else np.sort(weights)[::-1][: params.coverage_words]
    total = counted.sum() + (params.unknown_weight * evidence.unknown + params.name_weight * evidence.names) * unseen
    return np.minimum(held @ weights / (total or 1.0), 1.0)


def _keyed(params: Params, held: np.ndarray, keyness: np.ndarray) -> np.ndarray:
    """Per section: does it hold a question word key to the knowledge (`min_keyness`; without
    one, a word the knowledge uses more than English does)?"""
    return np.asarray((held & (keyness >= (params.min_keyness or 0.0))).any(axis=1), dtype=bool)


def near_misses(params: Params, evidence: Evidence) -> np.ndarray:
    """Per section of a declined question's best few: is it close enough to offer instead of
    an answer ("did you mean")? It holds a word key to the knowledge and NEAR_MISS_SHARE of
    the share of the question answering needs. A paraphrase that avoids the documents' words
    is often declined with the section that answers it among these."""
    shares = _shares(params, evidence, evidence.held, evidence.idfs, evidence.keyness)
    return (shares >= NEAR_MISS_SHARE * params.min_coverage) & _keyed(params, evidence.held, evidence.keyness)
