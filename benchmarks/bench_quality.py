"""How well cloudai answers, next to plain BM25 over the very same sections.

For each question set in ../shared/eval (seeds, kubeflow, sagemaker) this runs the
project's scoring rule (`bot.evaluation.evaluate`: hit@1, hit@3, MRR@5, negatives
rejected, median length of the top-1 section) on cloudai's `retriever.search(q, top=5)`
and, in the same run, on bm25s (Snowball stemming, English stop words) indexing the same
`Section.full_text`s. Same sections, same rule: the difference is the ranking (and
cloudai's abstaining; bm25s always returns hits, so it rejects no negative question).

These dev sets are small (12–19 questions): a one-question change moves hit@1 by 5–8
points. Run from the project root:  python benchmarks/bench_quality.py
"""

from __future__ import annotations

import json
from typing import Any

from _common import Bm25Reference, import_bm25s, shared_dir

from bot.assistant import Assistant
from bot.evaluation import evaluate, load_questions

SETS = ("seeds", "kubeflow", "sagemaker")
FIGURES = ("hit@1", "hit@3", "mrr@5", "negatives_rejected", "median_top1_chars")


def main() -> int:
    shared = shared_dir("cloudai answer quality against bm25s on the shared question sets",
                        [p for name in SETS for p in (f"corpora/{name}", f"eval/{name}-dev.jsonl")])
    import_bm25s()
    summary: dict[str, Any] = {}
    for name in SETS:
        questions = load_questions(shared / "eval" / f"{name}-dev.jsonl")
        assistant = Assistant.load(shared / "corpora" / name)
        reference = Bm25Reference(assistant.kb.sections)
        ours = evaluate(questions, lambda q: assistant.retriever.search(q, top=5).hits)
        ref = evaluate(questions, lambda q: reference.search(q, k=5))
        negatives = len(questions) - ours["questions"]
        print(f"== {name}-dev: {ours['questions']} questions + {negatives} negative, "
              f"{len(assistant.kb.sections)} sections")
        print(f"{'':<20}{'cloudai':>10}{'bm25s':>10}")
        for fig in FIGURES:
            print(f"{fig:<20}{ours[fig]!s:>10}{ref[fig]!s:>10}")
        n = ours["questions"]
        won = round(ours["hit@1"] * n) - round(ref["hit@1"] * n)  # questions; the figures are rounded
        diff = round(100 * won / max(n, 1), 1)
        print(f"{'hit@1 difference':<20}{diff:>+9.1f} points ({won:+d} questions)\n")
        summary[name] = {"questions": ours["questions"], "negatives": negatives, "hit@1_diff_points": diff,
                         **{f"cloudai_{k}": ours[k] for k in FIGURES}, **{f"bm25s_{k}": ref[k] for k in FIGURES}}
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
