"""A reloaded bot answers exactly like a freshly started one.

Nothing a process has read before (other corpora, earlier questions, the knowledge it
reloaded from) may change how it reads a question: the analyser, its caches and the typo
vocabulary belong to one knowledge base, and a reload builds new ones.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from app.cli import search_line
from bot.assistant import Assistant
from bot.evaluation import load_questions
from bot.live import LiveAssistant

from .conftest import EVAL, ROOT, corpus

pytestmark = pytest.mark.slow  # loads every shared corpus twice and runs `cloudai search`


@pytest.mark.parametrize("name", ["seeds", "kubeflow", "sagemaker"])
def test_search_output_after_a_reload_is_byte_identical_to_a_fresh_start(name: str) -> None:
    folder = corpus(name)
    questions = [q.q for suffix in ("dev", "dev2") for q in load_questions(EVAL / f"{name}-{suffix}.jsonl")]
    fresh = subprocess.run([sys.executable, "-m", "app.cli", "search", "--knowledge", str(folder), "--json"],
                           input="\n".join(questions) + "\n", capture_output=True, text=True, cwd=ROOT,
                           timeout=300, check=True).stdout.splitlines()

    other = Assistant.load(corpus("seeds" if name != "seeds" else "kubeflow"))
    live = LiveAssistant.of(Assistant.load(folder))
    for q in questions + [q + " pls" for q in questions[:10]]:  # a process that has been answering...
        other.reply(q)
        live.reply(q)
    assert live.reload().ok  # ...and has reloaded its knowledge
    reloaded = [search_line(live.current, q) for q in questions]
    assert reloaded == fresh
