"""Answer quality on corpora and questions nothing in cloudai was fitted on or tuned for.

The dev sets in ../shared/eval are what `fit_ranking.py` fits on, so even their
cross-validated figure comes from corpora the project has read. These ten sets are the
check from outside: documentation corpora the project never developed on, each with 40–46
answerable questions and 5 negatives in the shared format (`q`, `any` of `doc` +
`contains`, `kind`), written from the documents alone, before cloudai or any retriever was
run on them, by writers who saw none of the project's code (December 2026):

    benchmarks/unseen/starlette.jsonl           Starlette's docs (docs/ of the PyPI sdist)
    benchmarks/unseen/pymdown-extensions.jsonl  PyMdown Extensions' docs (docs/src/markdown/)
    benchmarks/unseen/nodejs-api.jsonl          Node.js API docs (the nodejs package's api/*.md)
    benchmarks/unseen/pip.jsonl                 pip's docs (docs/ of the sdist: its Markdown
                                                pages, written in Sphinx's MyST)
    benchmarks/unseen/fastapi.jsonl             FastAPI's English docs (docs/en/docs of the
                                                sdist: MkDocs, with tabs, includes, <abbr>)
    benchmarks/unseen/hatch.jsonl               Hatch's docs (docs/ of the sdist: MkDocs, with
                                                its changelogs; 3 questions ask what changed)
    benchmarks/unseen/black.jsonl               Black's docs (docs/ of the sdist: Sphinx MyST;
                                                written 2 December 2026, after the others)
    benchmarks/unseen/dstack.jsonl              dstack's docs and blog (mkdocs/ of the sdist:
                                                GPU orchestration for AI, MkDocs Material;
                                                written 3 December 2026)
    benchmarks/unseen/vllm.jsonl                vLLM's docs (docs/ of the sdist: LLM serving,
                                                MkDocs Material; written 3 December 2026)
    benchmarks/unseen/instructor.jsonl          instructor's docs (docs/ of the sdist: structured
                                                outputs from LLMs, MkDocs Material, with its blog;
                                                written 3 December 2026, later that day)

Their paraphrases are longer than the dev sets' (about 19 words against 11). Nothing here
is fitted: once a change is chosen by looking at these figures they stop being a check, so
read them, and fit on ../shared/eval.

The Python corpora are fetched once from PyPI (pinned sdists, checked by sha256) into the
cache folder; the Node.js docs are read where the `nodejs` package puts them (skipped, with
the reason, when it is not installed). Run from the project root:
    python benchmarks/bench_unseen.py            (or name sets: ... bench_unseen.py pip starlette)
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tarfile
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _common import import_bm25s
from bench_quality import references, score_everyday, score_set

from bot.assistant import Assistant
from bot.cache import cache_dir

HERE = Path(__file__).resolve().parent / "unseen"


@dataclass(frozen=True)
class UnseenSet:
    name: str  # the question file's stem in benchmarks/unseen
    sdist: str | None  # "package==version" on PyPI, or None for a folder already on disk
    docs: str  # the docs folder inside the sdist (after its top folder), or the folder on disk


SETS = (
    UnseenSet("starlette", "starlette==1.10.0", "docs"),
    UnseenSet("pymdown-extensions", "pymdown-extensions==13.1.2", "docs/src/markdown"),
    UnseenSet("nodejs-api", None, "/usr/share/doc/nodejs/api"),
    UnseenSet("pip", "pip==24.0", "docs"),
    UnseenSet("fastapi", "fastapi==0.110.0", "docs/en/docs"),
    UnseenSet("hatch", "hatch==1.9.4", "docs"),
    UnseenSet("black", "black==24.4.0", "docs"),
    UnseenSet("dstack", "dstack==0.22.5", "mkdocs"),
    UnseenSet("vllm", "vllm==0.34.0", "docs"),
    UnseenSet("instructor", "instructor==1.17.0", "docs"),
)


def corpus_of(spec: UnseenSet) -> Path | str:
    """The corpus folder, fetched and unpacked once; or why it cannot be had (a str)."""
    if spec.sdist is None:
        folder = Path(spec.docs)
        return folder if folder.is_dir() else f"{folder} not found (install the nodejs package)"
    base = cache_dir()
    if base is None:
        return "no cache folder to unpack into"
    folder = base / "unseen" / spec.sdist.replace("==", "-")
    if folder.is_dir():
        return folder
    with tempfile.TemporaryDirectory() as tmp:
        try:
            archive = _download_sdist(spec.sdist, Path(tmp))
        except (OSError, ValueError) as exc:
            return f"could not fetch the {spec.sdist} sdist from PyPI: {exc}"
        unpacked = Path(tmp) / "unpacked"
        with tarfile.open(archive) as tar:
            tar.extractall(unpacked, filter="data")
        tops = [p for p in unpacked.iterdir() if p.is_dir()]
        docs = tops[0] / spec.docs if tops else unpacked / spec.docs
        if not docs.is_dir():
            return f"{spec.docs} not found in the {spec.sdist} sdist"
        folder.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(docs, folder)
    return folder


def _download_sdist(requirement: str, dest: Path) -> Path:
    """The sdist of "name==version", fetched from PyPI's simple index (JSON form) and checked
    against the index's sha256. Not `pip download`: that prepares the package's metadata,
    which builds it (vLLM's build needs torch), and only its docs are wanted."""
    name, version = requirement.split("==")
    index = os.environ.get("PIP_INDEX_URL", "https://pypi.org/simple").rstrip("/")
    ask = urllib.request.Request(f"{index}/{name}/", headers={"Accept": "application/vnd.pypi.simple.v1+json"})
    with urllib.request.urlopen(ask, timeout=60) as answer:
        files = json.load(answer)["files"]
    wanted = {f"{stem}-{version}.tar.gz" for stem in (name, name.replace("-", "_"))}
    found = next((f for f in files if f["filename"] in wanted), None)
    if found is None:
        raise ValueError(f"no sdist named {' or '.join(sorted(wanted))}")
    with urllib.request.urlopen(found["url"], timeout=300) as answer:
        data = answer.read()
    if hashlib.sha256(data).hexdigest() != found["hashes"].get("sha256"):
        raise ValueError(f"{found['filename']} does not match the index's sha256")
    path = dest / found["filename"]
    path.write_bytes(data)
    return path


def main() -> int:
    import_bm25s()
    only = set(sys.argv[1:])  # set names to run (default: all)
    summary: dict[str, Any] = {}
    for spec in SETS:
        if only and spec.name not in only:
            continue
        corpus = corpus_of(spec)
        if isinstance(corpus, str):
            print(f"== {spec.name}: skipped: {corpus}\n")
            continue
        assistant = Assistant.load(corpus)
        summary[spec.name] = score_set(assistant, references(assistant), HERE / f"{spec.name}.jsonl", spec.name)
        summary[f"{spec.name}-everyday"] = score_everyday(assistant, spec.name)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
