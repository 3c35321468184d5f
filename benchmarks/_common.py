"""What both benchmarks share: where the corpora are, and the bm25s reference retriever.

The reference is plain BM25 from `bm25s` (Lucene IDF, k1=1.5, b=0.75) with Snowball
stemming and English stop words, indexing exactly the texts cloudai searches
(`Section.full_text`), so the comparison is about ranking, not about how documents are cut.
"""

from __future__ import annotations

import argparse
import re
import statistics
from pathlib import Path
from typing import Any

from bot.models import Hit, Section

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SHARED = ROOT.parent / "shared"


def shared_dir(description: str, needed: list[str]) -> Path:
    """The `--shared` folder from the command line; exits 0 with a message if `needed` paths are missing."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED, metavar="DIR",
                        help=f"folder holding corpora/ and eval/ (default: {DEFAULT_SHARED})")
    shared: Path = parser.parse_args().shared.resolve()
    missing = [p for p in needed if not (shared / p).exists()]
    if missing:
        print(f"benchmark skipped: {', '.join(missing)} not found under {shared} "
              "(pass --shared DIR to point at the shared corpora)")
        raise SystemExit(0)
    return shared


def import_bm25s() -> tuple[Any, Any]:
    """`(bm25s, Stemmer)`, or exit 1 saying how to install the benchmark extra."""
    try:
        import bm25s
        import Stemmer
    except ImportError as exc:
        print(f"bm25s is needed for the reference figures ({exc.name} is not importable).\n"
              "Install the benchmark extra from the project root:  pip install -e '.[bench]'")
        raise SystemExit(1) from None
    return bm25s, Stemmer


class Bm25Reference:
    """bm25s over the same sections cloudai ranks; `search` returns cloudai `Hit`s."""

    def __init__(self, sections: list[Section]) -> None:
        self.bm25s, stemmer_module = import_bm25s()
        self.stemmer = stemmer_module.Stemmer("english")
        self.sections = sections
        self.model = self.bm25s.BM25()
        self.model.index(self.tokenize([s.full_text for s in sections]), show_progress=False)

    def tokenize(self, texts: str | list[str]) -> Any:
        return self.bm25s.tokenize(texts, stopwords="en", stemmer=self.stemmer, show_progress=False)

    def search(self, question: str, k: int = 5) -> list[Hit]:
        """Top k sections; like any plain BM25 it always returns k hits (zero scores included)."""
        ids, scores = self.model.retrieve(self.tokenize(question), k=min(k, len(self.sections)),
                                          show_progress=False)
        return [Hit(self.sections[int(i)], float(s)) for i, s in zip(ids[0], scores[0])]


class Fts5Reference:
    """SQLite FTS5 (porter tokenizer, `bm25()` ranking, the question's words OR-ed) over
    the same sections: the second reference of ../shared/eval/README.md."""

    def __init__(self, sections: list[Section]) -> None:
        import sqlite3

        self.sections = sections
        self.db = sqlite3.connect(":memory:")
        self.db.execute("CREATE VIRTUAL TABLE s USING fts5(body, tokenize='porter')")
        self.db.executemany("INSERT INTO s(rowid, body) VALUES (?, ?)",
                            ((i, sec.full_text) for i, sec in enumerate(sections)))

    def search(self, question: str, k: int = 5) -> list[Hit]:
        words = [w for w in re.findall(r"\w+", question.lower()) if w]
        if not words:
            return []
        match = " OR ".join(f'"{w}"' for w in dict.fromkeys(words))
        rows = self.db.execute("SELECT rowid, bm25(s) FROM s WHERE s MATCH ? ORDER BY bm25(s) LIMIT ?",
                               (match, k)).fetchall()
        return [Hit(self.sections[int(i)], -float(score)) for i, score in rows]


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1] if len(values) > 1 else values[0]
