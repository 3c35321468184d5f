"""The intent catalog: every example and some held-out phrasings reach their intent."""

from __future__ import annotations

import pytest

from bot.assistant import Assistant


def test_every_catalog_example_classifies_as_its_intent(bundled: Assistant) -> None:
    wrong = []
    for intent in bundled.catalog.intents:
        for example in intent.examples:
            got = bundled.retriever.analyse(example).intent.id
            if got != intent.id:
                wrong.append((example, intent.id, got))
    assert not wrong


@pytest.mark.parametrize(
    ("question", "intent", "slot"),
    [
        ("any tips for moving ML workloads to the cloud?", "best_practices", None),
        ("best practises", "best_practices", None),
        ("how do hospitals use cloud AI", "use_cases", "healthcare"),
        ("examples from banking", "use_cases", "finance"),
        ("what's next for AI in the cloud", "trends", None),
        ("how large is the AI market", "market_figures", None),
        ("how is AI spending projected to grow", "market_figures", None),
        # "project" shares its stem with "projected": a project is no market figure
        ("who should be on an AI project team", None, None),
        ("set up a new ML project", None, None),
        ("what does explainable AI mean", "responsible_ai", None),
        ("define hybrid multi-cloud", "definition", None),
        ("hey cloudai", "greeting", None),
        ("what can you do?", "help", None),
        ("who are you?", "help", None),
        ("how can you help me?", "help", None),
        ("what topics do you know?", "topics", None),
        ("how to bake a sourdough bread", None, None),
    ],
)
def test_held_out_phrasings(bundled: Assistant, question: str, intent: str | None, slot: str | None) -> None:
    match = bundled.retriever.analyse(question).intent
    assert match.id == intent
    if slot is not None:
        assert match.slots.get("industry") == slot


def test_bot_name_is_not_a_search_word(bundled: Assistant) -> None:
    query = bundled.retriever.analyse("cloudai: what is edge computing")
    assert query.intent.id == "definition"
    assert "cloudai" not in [w.word for w in query.words]
