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
from typing import Any, Callable

from bot.models import Hit, Section

# Everyday questions no knowledge here answers, written for this project apart from the dev
# sets: each is a negative on every corpus. The abstention rule is fitted with the first list
# (benchmarks/fit_ranking.py); the second is never fitted on and only checks it.
OFF_TOPIC_FIT = (
    "what's the weather like tomorrow", "recommend a good book to read on holiday", "how do I cook rice properly",
    "who is the best football player ever", "what time does the store close", "how can I learn to play guitar",
    "what should I name my cat", "tips for running a marathon", "best pizza places in new york",
    "how do I fix my car's flat battery", "what is the capital of australia", "good series to watch this weekend",
    "how tall is mount everest", "how do I train my dog to sit", "what's a healthy breakfast",
    "how do I change a light bulb", "when is the next full moon", "how do I tie a tie",
    "what are good exercises for back pain", "how long should I boil an egg", "where can I buy cheap flights",
    "how do I grow tomatoes", "what song is number one right now", "how do I clean a leather jacket",
)
OFF_TOPIC_CHECK = (
    "how do I get red wine out of a carpet", "what's the best way to learn spanish", "how many calories are in a banana",
    "when does daylight saving time start", "how do I unclog a kitchen sink", "what's a good gift for my mom's birthday",
    "how do I make my sourdough rise more", "which running shoes are best for flat feet",
    "how do I get rid of ants in the house", "what is the plot of hamlet", "how can I sleep better at night",
    "where should I travel in europe this summer", "how do I iron a shirt without creases",
    "what's the difference between a crocodile and an alligator", "how do I write a wedding speech",
    "how often should I water a cactus", "what are some fun board games for kids", "how do I jump start a car",
    "who painted the mona lisa", "how do I make cold brew coffee", "what's the rule for offside in soccer",
    "how do I knit a scarf", "is it going to snow this week", "how do I stop my dog from barking at night",
)

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SHARED = ROOT.parent / "shared"


def unanswered(search: Callable[[str], list[Hit]], questions: tuple[str, ...]) -> str:
    """How many of `questions` get no hit from `search`, as "k/n"."""
    return f"{sum(not search(q) for q in questions)}/{len(questions)}"


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
