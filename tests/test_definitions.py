"""A "what is X" question is answered by the section that defines X, not by the pages that
only use the term (bot/definitions.py and the ranking's `defines` feature)."""

from __future__ import annotations

import pytest

from bot.assistant import Assistant
from bot.definitions import TermPattern, defines, term_pattern, term_words
from bot.ranking import FEATURES
from bot.text import Analyser, content_words

from .conftest import write


def pattern_for(topic: str) -> TermPattern:
    pattern = term_pattern(topic, Analyser())
    assert pattern is not None
    return pattern


@pytest.mark.parametrize("text, topic", [
    ("An *inference pipeline* is a model made of two to fifteen containers.", "an inference pipeline"),
    ("You compare the new variant against the live one. This practice is known as shadow testing.",
     "shadow testing"),
    ("*Annotation consolidation* combines the labels of several workers.", "annotation consolidation"),
    ("Kale (Kubeflow Automated pipeLines Engine) turns notebooks into pipelines.", "kale"),
    ("- **Edge Computing:** Processing data closer to the source.", "edge computing"),
    ("A **`WorkspaceKind`** is an administrator-defined template.", "a WorkspaceKind"),
    ("A _Trial_ is one iteration of the tuning process.", "a trial in katib"),
    ("Edge computing refers to processing data where it is produced.", "edge computing"),
    ("**AIaaS** is a model in which AI infrastructure is rented.", "AIaaS"),
    ("Models answer from what they were trained on. RAG (retrieval-augmented generation) adds documents.",
     "RAG"),
    ("Sending a share of live traffic to a new model is called canary testing.", "canary testing"),
])
def test_the_defining_forms_are_found(text: str, topic: str) -> None:
    assert defines(text, pattern_for(topic))


@pytest.mark.parametrize("text, topic", [
    ("To troubleshoot inference pipeline issues, read the logs.", "inference pipeline"),
    ("Cloud computing is a delivery model.", "edge computing"),  # another term with the same head
    ("Run the trial again.", "a trial in katib"),
    # a list item's label about something of the term (an overview's outline of its children)
    ("- **Permissions for feature pipelines**: Grant the role read access.", "feature pipeline"),
    ("- **Logs of inference pipelines**: Every container writes its own.", "an inference pipeline"),
    # identifiers that hold the term: another name, not the term emphasised
    ("The suggestion produces `trialParameters` before running it.", "a trial in katib"),
    ("2. **Configuring `resources_per_trial`**", "a trial in katib"),
])
def test_a_mention_is_not_a_definition(text: str, topic: str) -> None:
    assert not defines(text, pattern_for(topic))


def test_the_qualifier_is_not_part_of_the_term() -> None:
    assert term_words("a trial in katib", content_words) == ["trial"]
    assert term_words("sagemaker model dashboard", content_words) == ["model", "dashboard"]


def test_what_is_answers_with_the_defining_page(tmp_path_factory: pytest.TempPathFactory) -> None:
    root = tmp_path_factory.mktemp("definitions")
    for name, title in (("deploy", "Deploy a feature gate"), ("monitor", "Monitor feature gate rollouts"),
                        ("debug", "Debug feature gate errors")):
        write(root, f"{name}.md", f"# {title}\n\nThis page shows how to {name} a feature gate: open the "
                                  f"console, pick the gate and {name} it.\n")
    write(root, "gates.md", "# Gates\n\nA *feature gate* is a switch that turns a feature on for some users "
                            "before everyone.\n")
    assistant = Assistant.load(root)
    query = assistant.retriever.analyse("what is a feature gate?")
    cand, rows, _ = assistant.retriever.features(query)
    fired = {assistant.kb.sections[int(s)].doc.path for s, on in zip(cand, rows[:, list(FEATURES).index("defines")])
             if on}
    assert fired == {"gates.md"}
    hits = assistant.retriever.search("what is a feature gate?").hits
    assert hits and hits[0].section.doc.path == "gates.md"
