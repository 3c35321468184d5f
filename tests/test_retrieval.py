"""Retrieval over the real corpora: the development sets, typos, abstention, clean texts.

The floors on the larger `-dev2` sets are regression guards a little under what the fitted
ranking (bot/ranking.py) scores there; the first dev sets must stay at or above the better
reference retriever of ../shared/eval/README.md. Both are in-sample figures: the
cross-validated ones (benchmarks/fit_ranking.py) are what the README quotes.
"""

from __future__ import annotations

import pytest

from bot.assistant import Assistant
from bot.evaluation import evaluate, load_questions
from bot.ranking import PARAMS
from bot.retriever import Retriever

from .conftest import EVAL, corpus

# hit@1 floor on each -dev2 set (fitted figure less about two questions)
DEV2_HIT1 = {"seeds": 0.64, "kubeflow": 0.63, "sagemaker": 0.48}
# best reference hit@1 on each first dev set (bm25s / FTS5), from ../shared/eval/README.md
REFERENCE_HIT1 = {"seeds": 0.842, "kubeflow": 0.5, "sagemaker": 0.417}
MAX_DECLINED = 0.10  # answerable questions given no answer (seeds-dev2 declines 2 of 39, sagemaker-dev2 2 of 50)
MIN_REJECTED = 0.8  # negatives given no answer (4 of 5; the aim is 0.9)


@pytest.mark.parametrize("name", sorted(DEV2_HIT1))
def test_dev2_set_holds_its_figures(name: str) -> None:
    assistant = Assistant.load(corpus(name))
    summary = evaluate(load_questions(EVAL / f"{name}-dev2.jsonl"), lambda q: assistant.retriever.search(q, top=5).hits)
    assert summary["hit@1"] >= DEV2_HIT1[name], summary["misses"]
    declined = int(summary["declined"].split("/")[0])
    assert declined <= MAX_DECLINED * summary["questions"], summary["misses"]
    rejected, negatives = map(int, summary["negatives_rejected"].split("/"))
    assert rejected >= MIN_REJECTED * negatives, summary["misses"]
    assert summary["median_top1_chars"] < 900


@pytest.mark.parametrize("name", sorted(REFERENCE_HIT1))
def test_first_dev_set_is_no_worse_than_the_references(name: str) -> None:
    assistant = Assistant.load(corpus(name))
    summary = evaluate(load_questions(EVAL / f"{name}-dev.jsonl"), lambda q: assistant.retriever.search(q, top=5).hits)
    assert summary["hit@1"] >= REFERENCE_HIT1[name], summary["misses"]
    assert summary["median_top1_chars"] < 900


@pytest.mark.parametrize(
    ("question", "doc"),
    [
        ("hyperparamter tuning", "automatic-model-tuning"),
        ("managed spot traning", "model-managed-spot-training.md"),
        ("what is amazon sagemaker", "whatis.md"),
        ("batch transform", "batch transform"),
        ("kulback leibler divergence", "kl-divergence"),
    ],
)
def test_sagemaker_questions(sagemaker_assistant: Assistant, question: str, doc: str) -> None:
    """The best section is from the document (or under the heading) that the question names."""
    hits = sagemaker_assistant.retriever.search(question, top=3).hits
    assert hits
    top = hits[0].section
    assert doc in top.doc.path or doc in top.heading_path.lower(), [h.section.heading_path for h in hits]


@pytest.mark.parametrize(("question", "term"), [("what is a warm pool", "warm pool"), ("what is a cold start", "cold start"),
                                              ("what is a shadow test", "shadow test")])
def test_a_term_of_everyday_words_that_heads_a_section_is_answered(sagemaker_assistant: Assistant, question: str,
                                                                   term: str) -> None:
    """Each word of the term is everyday English, which the abstention rule reads as no
    evidence ("warm", "pool"), but SageMaker's headings name the term as asked: a "what is"
    question about it was declined, though "warm pools" was answered."""
    hits = sagemaker_assistant.retriever.search(question, top=3).hits
    assert hits and term in hits[0].section.heading_path.lower(), [h.section.heading_path for h in hits]


@pytest.mark.parametrize("question", ["what is a birthday party", "what is a wedding cake", "what is a free lunch"])
def test_a_term_of_everyday_words_no_heading_names_is_declined(sagemaker_assistant: Assistant, question: str) -> None:
    assert sagemaker_assistant.retriever.search(question).hits == []


@pytest.mark.parametrize(
    "question",
    ["what's the weather in Paris", "qwxz plorf", "best pizza in naples", "how to bake a sourdough bread",
     "tell me a joke about cats"],
)
def test_scale_corpus_abstains_off_topic(sagemaker_assistant: Assistant, question: str) -> None:
    assert sagemaker_assistant.retriever.search(question).hits == []


@pytest.mark.parametrize("question", ["how do I change a light bulb", "how can I learn to play guitar",
                                      "when is the next full moon", "what should I name my cat"])
def test_everyday_words_a_corpus_uses_in_passing_are_no_reason_to_answer(sagemaker_assistant: Assistant,
                                                                         question: str) -> None:
    """The corpus uses these words (and "LightGBM" holds a "light", "CatBoost" a "cat"), but no
    more than English does, so the question is declined. Without the rule
    (ranking.Params.min_keyness) each of them is answered."""
    assert sagemaker_assistant.retriever.search(question).hits == []
    lax = Retriever(sagemaker_assistant.kb, sagemaker_assistant.catalog, PARAMS.with_values(min_keyness=None))
    assert lax.search(question).hits


def test_kubeflow_sections_are_clean() -> None:
    assistant = Assistant.load(corpus("kubeflow"))
    hits = assistant.retriever.search("disable caching in kubeflow pipelines", top=5).hits
    assert hits
    for hit in hits:
        assert "{{" not in hit.section.text and "+++" not in hit.section.text
    result = assistant.retriever.search("what is kubeflow pipelines")
    assert result.query.intent.id == "definition"
    assert result.hits
