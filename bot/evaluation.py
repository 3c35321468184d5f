"""Score retrieval on a question set (the format of ../shared/eval/README.md).

The matching rule is the project's scoring rule: a question is answered at rank r when
the r-th section comes from an expected document ("*" accepts any) and contains that
document's phrase, compared without case, markup, link targets or extra white space.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .models import Hit


def normalise(text: str) -> str:
    """Prose, not markup: link targets, HTML tags, brackets and emphasis marks dropped."""
    text = re.sub(r"\]\([^)]*\)|\]\[[^\]]*\]", "]", text)
    text = re.sub(r"<[^>\n]{1,200}>", " ", text)
    text = re.sub(r"[\\*_`\[\]]", "", text)
    return re.sub(r"\s+", " ", text).strip().lower()


@dataclass(frozen=True, slots=True)
class Question:
    q: str
    answers: tuple[tuple[str, str], ...]  # (doc, phrase)
    kind: str


def load_questions(path: Path) -> list[Question]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            out.append(Question(str(raw["q"]), tuple((a["doc"], a["contains"]) for a in raw.get("any", [])),
                                str(raw.get("kind", "?"))))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{n}: not a question line ({exc})") from None
    return out


def rank_of(question: Question, hits: list[Hit], depth: int = 5) -> int | None:
    for r, hit in enumerate(hits[:depth], 1):
        text = normalise(hit.section.full_text)
        if any(doc in ("*", hit.section.doc.path) and normalise(phrase) in text for doc, phrase in question.answers):
            return r
    return None


def evaluate(questions: list[Question], search: Callable[[str], list[Hit]]) -> dict[str, Any]:
    """Run every question through `search` and report hit@1, hit@3, MRR@5, negatives, misses."""
    started = time.perf_counter()
    ranks: list[int | None] = []
    kinds: dict[str, list[bool]] = {}
    lengths: list[int] = []
    misses: list[dict[str, Any]] = []
    negatives = rejected = declined = 0
    for q in questions:
        hits = search(q.q)
        if not q.answers:
            negatives += 1
            if not hits:
                rejected += 1
            else:
                misses.append({"q": q.q, "kind": q.kind, "rank": None, "got": _label(hits[0])})
            continue
        rank = rank_of(q, hits)
        declined += not hits
        ranks.append(rank)
        kinds.setdefault(q.kind, []).append(rank == 1)
        if hits:
            lengths.append(len(hits[0].section.full_text))
        if rank != 1:
            misses.append({"q": q.q, "kind": q.kind, "rank": rank, "got": _label(hits[0]) if hits else None})
    n = len(ranks) or 1
    return {
        "questions": len(ranks),
        "hit@1": round(sum(r == 1 for r in ranks) / n, 3),
        "hit@3": round(sum(r is not None and r <= 3 for r in ranks) / n, 3),
        "mrr@5": round(sum(1 / r for r in ranks if r) / n, 3),
        "by_kind_hit@1": {k: round(sum(v) / len(v), 2) for k, v in sorted(kinds.items())},
        "negatives_rejected": f"{rejected}/{negatives}",
        "declined": f"{declined}/{len(ranks)}",  # answerable questions given no answer at all
        "median_top1_chars": int(statistics.median(lengths)) if lengths else 0,
        "wall_s": round(time.perf_counter() - started, 2),
        "misses": misses,
    }


def _label(hit: Hit) -> str:
    return f"{hit.section.doc.path} | {hit.section.heading_path}"
