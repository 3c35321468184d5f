"""How well cloudai answers, beside plain BM25 (bm25s) and SQLite FTS5 over the same sections.

For every question set in ../shared/eval (seeds, kubeflow, sagemaker; `-dev` and `-dev2`)
this runs the project's scoring rule (`bot.evaluation.evaluate`) on cloudai's
`retriever.search(q, top=5)` and, in the same run, on two references indexing the very
same `Section.full_text`s: bm25s (Snowball stemming, English stop words) and FTS5 (porter
tokenizer, `bm25()`, words OR-ed). Same sections, same rule: the differences are the
ranking and cloudai's abstaining (the references always return hits, so they reject no
negative question). Printed per set: hit@1, hit@3, MRR@5, negatives rejected, answerable
questions declined, median top-1 length, hit@1 by kind of question; and per corpus, how many
everyday questions (benchmarks/_common.py: the list the abstention rule is fitted with, and
one it never saw) get no answer.

These figures are in-sample: bot/ranking.py was fitted on these very sets. The figure to
quote is the cross-validated one (fitted on two corpora, scored on the third), which
`--cv` computes by running benchmarks/fit_ranking.py's fit three times (a few minutes).

Your own notes can be measured the same way, with questions written in the same format
(`q`, `any` of `doc` + `contains`, `kind`; see ../shared/eval/README.md):
    python benchmarks/bench_quality.py --corpus path/to/notes --questions my-questions.jsonl

Run from the project root:  python benchmarks/bench_quality.py [--cv]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from _common import DEFAULT_SHARED, OFF_TOPIC_CHECK, OFF_TOPIC_FIT, Bm25Reference, Fts5Reference, import_bm25s, unanswered

from bot.assistant import SUGGESTIONS, Assistant
from bot.evaluation import Question, evaluate, load_questions, rank_of
from bot.models import Hit
from bot.retriever import SearchResult

CORPORA = ("seeds", "kubeflow", "sagemaker")
SUFFIXES = ("dev", "dev2")
FIGURES = ("hit@1", "hit@3", "mrr@5", "negatives_rejected", "declined", "median_top1_chars")


def references(assistant: Assistant) -> dict[str, Any]:
    """The two reference retrievers over the very sections cloudai ranks."""
    return {"bm25s": Bm25Reference(assistant.kb.sections), "fts5": Fts5Reference(assistant.kb.sections)}


def score_set(assistant: Assistant, refs: dict[str, Any], path: Path, label: str) -> dict[str, dict[str, Any]]:
    """Print and return one question set's figures for cloudai and the references."""
    questions = load_questions(path)
    results: dict[str, SearchResult] = {}  # cloudai's, kept for what a declined question is offered

    def search(q: str) -> list[Hit]:
        results[q] = assistant.retriever.search(q, top=5)
        return results[q].hits

    runs = {"cloudai": evaluate(questions, search)}
    for ref, retriever in refs.items():
        runs[ref] = evaluate(questions, lambda q, r=retriever: r.search(q, k=5))
    ours = runs["cloudai"]
    n = ours["questions"]
    print(f"== {label}: {n} answerable + {len(questions) - n} negative, {len(assistant.kb.sections)} sections")
    print(f"{'':<20}" + "".join(f"{r:>10}" for r in runs))
    for fig in FIGURES:
        print(f"{fig:<20}" + "".join(f"{run[fig]!s:>10}" for run in runs.values()))
    for kind in sorted(ours["by_kind_hit@1"]):
        print(f"{'  hit@1 ' + kind:<20}" + "".join(f"{run['by_kind_hit@1'].get(kind, 0)!s:>10}"
                                                  for run in runs.values()))
    better = max(runs["bm25s"]["hit@1"], runs["fts5"]["hit@1"])
    print(f"{'hit@1 vs better ref':<20}{100 * (ours['hit@1'] - better):>+9.1f} points")
    offered = offered_when_declined(assistant, questions, results)
    print(f"{'declined, answer offered':<20}{offered:>10}   (among the {SUGGESTIONS} suggestions of the no-match reply)\n")
    figures = {run_name: {f: run[f] for f in FIGURES} for run_name, run in runs.items()}
    figures["cloudai"]["declined_answer_offered"] = offered
    return figures


def offered_when_declined(assistant: Assistant, questions: list[Question], results: dict[str, SearchResult]) -> str:
    """Of the answerable questions cloudai declines, how many are offered the answering
    section among the first suggestions of the no-match reply (`SearchResult.near`), from
    the searches already run (`results`, by question)."""
    declined = offered = 0
    for q in questions:
        result = results[q.q]
        if not q.answers or result.hits:
            continue
        declined += 1
        near = [Hit(assistant.kb.sections[sid], 0.0) for sid in result.near[:SUGGESTIONS]]
        offered += any(rank_of(q, [hit], depth=1) == 1 for hit in near)
    return f"{offered}/{declined}"


def score_everyday(assistant: Assistant, name: str) -> dict[str, int]:
    """How many everyday questions get no answer (the references reject none)."""
    everyday = {label: unanswered(lambda q: assistant.retriever.search(q, top=5).hits, questions)
                for label, questions in (("fitted on", OFF_TOPIC_FIT), ("never fitted on", OFF_TOPIC_CHECK))}
    print(f"== {name}: everyday questions rejected (benchmarks/_common.py; the references reject none): "
          + ", ".join(f"{v} of those {k}" for k, v in everyday.items()) + "\n")
    return everyday


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--cv", action="store_true", help="also the cross-validated figure (slow)")
    parser.add_argument("--corpus", type=Path, help="score your own Markdown folder instead of the shared sets")
    parser.add_argument("--questions", type=Path, help="with --corpus: its question file (JSON lines)")
    args = parser.parse_args()
    summary: dict[str, Any] = {}
    if args.corpus is not None:  # a team's own notes and questions, scored the same way
        if args.questions is None:
            parser.error("--corpus needs --questions FILE (one JSON question a line, as in ../shared/eval)")
        import_bm25s()
        assistant = Assistant.load(args.corpus)
        summary[args.questions.stem] = score_set(assistant, references(assistant), args.questions,
                                                 args.questions.stem)
        summary["everyday"] = score_everyday(assistant, args.corpus.name)
        print(json.dumps(summary))
        return 0
    shared = args.shared.resolve()
    if not (shared / "eval").is_dir():
        print(f"benchmark skipped: {shared}/eval not found (pass --shared DIR)")
        return 0
    import_bm25s()
    for name in CORPORA:
        assistant = Assistant.load(shared / "corpora" / name)
        refs = references(assistant)
        for suffix in SUFFIXES:
            summary[f"{name}-{suffix}"] = score_set(assistant, refs, shared / "eval" / f"{name}-{suffix}.jsonl",
                                                    f"{name}-{suffix}")
        summary[f"{name}-everyday"] = score_everyday(assistant, name)
    if args.cv:
        from fit_ranking import cross_validate
        summary["cross_validated"] = cross_validate(shared, verbose=True)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
