"""What the state store and the store-only commands load: not the search stack.

`import bot.store` once pulled in numpy and rapidfuzz (store → digest → assistant), so
`cloudai feedback` paid for a search it never does. Each check runs a fresh interpreter
with `-X importtime` and reads the modules it imported.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.slow  # fresh interpreters

SEARCH_STACK = {"numpy", "rapidfuzz", "Stemmer", "bot.assistant", "bot.retriever", "bot.index", "bot.digest"}


def imported(code: str, tmp_path: Path, configured: bool = True, cache: Path | None = None) -> set[str]:
    """The modules a fresh `python -X importtime -c CODE` imports (it must succeed), run in
    `tmp_path`; `configured`: with CLOUDAI_DATA_DIR set there, else with no cloudai setting;
    `cache`: the user's cache folder (XDG_CACHE_HOME), else the tests' own."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "CLOUDAI_", "PORT"))}
    env = {**clean, "PYTHONPATH": str(ROOT), **({"CLOUDAI_DATA_DIR": str(tmp_path)} if configured else {}),
           **({"XDG_CACHE_HOME": str(cache)} if cache is not None else {})}
    run = subprocess.run([sys.executable, "-X", "importtime", "-c", code], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    names = {line.rsplit("|", 1)[1].strip() for line in run.stderr.splitlines() if line.startswith("import time:")}
    assert "bot" in names, run.stderr[-2000:]  # the importtime report was read
    return names


@pytest.mark.parametrize("code", [
    "import bot.store",
    "from app.cli import main; raise SystemExit(main(['feedback']))",  # the command, start to end
], ids=["bot.store", "cloudai feedback"])
def test_the_store_and_cloudai_feedback_load_no_search_stack(code: str, tmp_path: Path) -> None:
    loaded = imported(code, tmp_path)
    assert "bot.store" in loaded
    assert not loaded & SEARCH_STACK, sorted(loaded & SEARCH_STACK)


def test_cloudai_ask_with_nothing_configured_reads_no_settings(tmp_path: Path) -> None:
    """Nothing set: every setting is its default, so `ask` skips pydantic-settings (about 0.15 s
    of its start); one `CLOUDAI_` variable and it reads them all (bot/configured.py)."""
    ask = "from app.cli import main; raise SystemExit(main(['ask', 'what is AIaaS?']))"
    bare = imported(ask, tmp_path, configured=False)
    assert "bot.assistant" in bare
    assert "pydantic_settings" not in bare
    assert "pydantic_settings" in imported(ask, tmp_path)


def test_cloudai_ask_reads_what_it_worked_out_before_from_the_cache(tmp_path: Path) -> None:
    """Validating the intent catalog imports pydantic (about 0.2 s of `ask`'s start), and
    building the English word counts imports pyspellchecker (about 0.3 s); what they gave is
    kept in the user's cache folder (bot/catalog_file.py, bot/english.py), so the next `ask`
    goes without either."""
    ask = "from app.cli import main; raise SystemExit(main(['ask', 'what is AIaaS?']))"
    first = imported(ask, tmp_path, configured=False, cache=tmp_path / "cache")
    assert {"bot.catalog_schema", "pydantic", "spellchecker"} <= first
    again = imported(ask, tmp_path, configured=False, cache=tmp_path / "cache")
    assert "bot.assistant" in again
    assert not {"bot.catalog_schema", "pydantic", "pydantic_core", "spellchecker"} & again, sorted(again)
