"""Hardening of what the loader reads (issue 13, items 2-4): a file that fails to parse,
links out of the knowledge folder, and special files (a FIFO, /dev/zero).

Everything is real: symlinks, a FIFO made with os.mkfifo, /dev/zero, the `cloudai` command
in a fresh interpreter (with a timeout, so code that hangs fails instead of hanging the
suite) and a real watchfiles watch. What is asserted is what a user sees: the answer, the
`cloudai check` listing, the reload result and its log.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.assistant import Assistant
from bot.knowledge import KnowledgeBase
from bot.live import LiveAssistant

from .conftest import ROOT, run_cloudai, until, watching, write

pytestmark = pytest.mark.slow  # `cloudai` processes (bounded in time and memory)

GPU = ("# GPU Cooling\n\nLiquid cooling keeps dense GPU racks within their thermal budget, "
       "and rear-door heat exchangers help older halls.\n")
QUOTAS = "# Kubernetes Quotas\n\nResource quotas cap the CPU and memory a namespace may request.\n"
SECRET = "root:x:0:0:root:/root:/bin/bash\nAPI_TOKEN=tok-93f1-secret-value root bin bash\n"
NO_TRACEBACK = "Traceback"


def words(text: str) -> str:
    """Terminal output with its line wrapping undone."""
    return re.sub(r"\s+", " ", text)


def run_bounded(args: list[str], timeout: float = 30, memory: int = 1 << 30) -> subprocess.CompletedProcess[str]:
    """`cloudai ARGS` like conftest.run_cloudai, but killed after `timeout` seconds and limited
    to `memory` bytes of address space: the failures tested here are a hang and a runaway read."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "CLOUDAI_", "PORT"))}

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    return subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=ROOT,
                          env={**clean, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
                          timeout=timeout, preexec_fn=limit)


def check(folder: Path) -> subprocess.CompletedProcess[str]:
    proc = run_cloudai(["check", "--knowledge", str(folder)], {})
    assert NO_TRACEBACK not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    return proc


def ask(folder: Path, question: str) -> subprocess.CompletedProcess[str]:
    proc = run_cloudai(["ask", question, "--knowledge", str(folder)], {})
    assert NO_TRACEBACK not in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    return proc


# --- links: followed only inside the knowledge folder ------------------------------------


@pytest.fixture
def linked(tmp_path: Path) -> Path:
    """A knowledge folder with links out of it (a secret file, a .env beside it, a folder),
    a link into its own hidden .env, and links inside it that must keep working."""
    outside = tmp_path / "outside"
    write(outside, "passwd", SECRET)
    write(tmp_path, ".env", "SLACK_BOT_TOKEN=xoxb-outside-env-secret\n")
    write(outside, "private/plans.md", "# Private Plans\n\nThe zebra migration budget is confidential.\n")
    kb = tmp_path / "kb"
    write(kb, "guides/gpu.md", GPU)
    write(kb, "quotas.md", QUOTAS)
    write(kb, ".env", "DISCORD_TOKEN=inside-hidden-env-secret\n")
    os.symlink(outside / "passwd", kb / "passwd.md")  # absolute link to a file outside
    os.symlink("../.env", kb / "notes.md")  # relative link to ../.env
    os.symlink(outside / "private", kb / "private")  # a folder outside
    os.symlink(".env", kb / "settings.md")  # inside, but into a hidden file the loader never reads
    os.symlink("guides/gpu.md", kb / "cooling.md")  # inside: followed
    os.symlink(kb / "guides", kb / "handbook")  # a folder inside: followed
    return kb


def test_check_names_each_link_out_of_the_folder_and_why(linked: Path) -> None:
    proc = check(linked)
    assert proc.returncode == 1
    out = proc.stdout
    assert f"skipped: passwd.md: symbolic link to {linked.parent / 'outside' / 'passwd'}, " \
           "outside the knowledge folder; not followed" in out
    assert f"skipped: notes.md: symbolic link to {linked.parent / '.env'}, outside the knowledge folder" in out
    assert f"skipped: private: folder link to {linked.parent / 'outside' / 'private'}, " \
           "outside the knowledge folder; not followed" in out
    assert "skipped: settings.md: symbolic link to a hidden file or folder (.env); not followed" in out
    # inside: the file link is read like any file; the folder link is a second way to guides/
    assert "cooling.md" not in out and "guides" not in out.replace("handbook: folder link to guides", "")
    assert "skipped: handbook: folder link to guides, a folder already read; not followed" in out
    assert re.search(r"^3 documents loaded, \d+ sections, 5 skipped", out, re.MULTILINE), out
    assert [d.path for d in KnowledgeBase.load(linked).documents] == ["cooling.md", "guides/gpu.md", "quotas.md"]


def test_no_secret_reaches_an_answer_and_inside_links_still_answer(linked: Path) -> None:
    secrets = ("tok-93f1", "root:x:0:0", "xoxb-outside-env-secret", "inside-hidden-env-secret", "confidential")
    for question in ("root bin bash API_TOKEN", "SLACK_BOT_TOKEN xoxb", "DISCORD_TOKEN", "zebra migration budget"):
        proc = ask(linked, question)
        assert proc.returncode == 0, proc.stderr
        assert not any(s in proc.stdout for s in secrets), proc.stdout
    assert "cloudai: skipped passwd.md: symbolic link to" in proc.stderr
    search = run_cloudai(["search", "root bin bash API_TOKEN zebra budget", "--knowledge", str(linked)], {})
    assert search.returncode == 0 and not any(s in search.stdout for s in secrets), search.stdout
    cooling = ask(linked, "how are GPU racks cooled")
    assert "Liquid cooling keeps dense GPU racks" in words(cooling.stdout)


# --- special files: regular files only, read bounded -------------------------------------


def test_a_fifo_is_skipped_and_never_blocks(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    write(kb, "quotas.md", QUOTAS)
    os.mkfifo(kb / "pipe.md")
    proc = run_bounded(["check", "--knowledge", str(kb)])  # the old loader waited for a writer forever
    assert NO_TRACEBACK not in proc.stdout + proc.stderr
    assert proc.returncode == 1
    assert "skipped: pipe.md: a named pipe (FIFO), not a regular file; not read" in proc.stdout
    assert "1 document loaded" in proc.stdout
    answer = run_bounded(["ask", "namespace resource quotas", "--knowledge", str(kb)])
    assert answer.returncode == 0
    assert "Resource quotas cap the CPU" in words(answer.stdout)
    assert "cloudai: skipped pipe.md: a named pipe (FIFO)" in answer.stderr


def test_a_link_to_dev_zero_is_not_read(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    write(kb, "quotas.md", QUOTAS)
    os.symlink("/dev/zero", kb / "zero.md")
    started = time.monotonic()
    proc = run_bounded(["check", "--knowledge", str(kb)])  # the old loader read until memory ran out
    assert NO_TRACEBACK not in proc.stdout + proc.stderr, proc.stderr[-500:]
    assert proc.returncode == 1
    assert "skipped: zero.md: symbolic link to /dev/zero, outside the knowledge folder; not followed" in proc.stdout
    assert "1 document loaded" in proc.stdout
    assert time.monotonic() - started < 20


# --- a file that fails to parse is skipped, the rest load --------------------------------


@pytest.mark.parametrize(("name", "text", "reason"), [
    ("bad-date.md", "---\ntitle: Roadmap\ndate: 2024-02-30\n---\n\nThe roadmap.\n",
     "broken frontmatter: day is out of range for month"),
    ("bad-float.md", "---\ntitle: Costs\nweight: !!float abc\n---\n\nThe costs.\n",
     "broken frontmatter: could not convert string to float: 'abc'"),
    ("bad-timestamp.md", "---\ntitle: Launch\nwhen: !!timestamp nope\n---\n\nThe launch.\n",
     "broken frontmatter: a value cannot be read"),
    ("bad-toml.md", "+++\ntitle = \"Big\"\nweight = " + "9" * 5000 + "\n+++\n\nA big number.\n",
     "broken frontmatter: Exceeds the limit (4300 digits) for integer string conversion"),
])
def test_frontmatter_that_fails_to_build_skips_only_its_file(tmp_path: Path, name: str, text: str,
                                                            reason: str) -> None:
    kb = tmp_path / "kb"
    write(kb, "quotas.md", QUOTAS)
    write(kb, name, text)
    proc = check(kb)
    assert proc.returncode == 1
    assert f"skipped: {name}: {reason}" in proc.stdout
    assert "1 document loaded" in proc.stdout
    answer = ask(kb, "namespace resource quotas")
    assert answer.returncode == 0, answer.stderr
    assert f"cloudai: skipped {name}: {reason}" in answer.stderr
    assert "Resource quotas cap the CPU" in words(answer.stdout)


def test_search_survives_a_bad_date(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    write(kb, "quotas.md", QUOTAS)
    write(kb, "roadmap.md", "---\ndate: 2024-02-30\n---\n\n# Roadmap\n\nNext quarter.\n")
    proc = run_cloudai(["search", "resource quotas", "--knowledge", str(kb)], {})
    assert proc.returncode == 0, proc.stderr
    assert "cloudai: skipped roadmap.md: broken frontmatter: day is out of range for month" in proc.stderr
    assert '"doc": "quotas.md"' in proc.stdout


def test_a_bad_date_added_later_does_not_stop_reloads(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A running bot: a file given a bad date (a new one, and an edit of a good one) is skipped
    or kept at its last good version, and a good file added beside it is served."""
    kb = tmp_path / "kb"
    write(kb, "quotas.md", QUOTAS)
    write(kb, "roadmap.md", "---\ntitle: Roadmap\ndate: 2024-02-01\n---\n\nThe roadmap ships quantum annealers.\n")
    live = LiveAssistant(Assistant.load(kb))
    caplog.set_level(logging.INFO, logger="cloudai.reload")

    write(kb, "broken.md", "---\ntitle: Broken\ndate: 2024-02-30\n---\n\nNever served.\n")
    write(kb, "roadmap.md", "---\ntitle: Roadmap\ndate: 2024-02-31\n---\n\nA half-edited roadmap.\n")
    write(kb, "gpu.md", GPU)
    result = live.reload(["broken.md", "roadmap.md", "gpu.md"])

    assert result.ok, result.summary
    assert "broken.md: broken frontmatter: day is out of range for month" in result.problems
    assert ("roadmap.md: broken frontmatter: day is out of range for month; still serving its last good version"
            in result.problems)
    assert "reload skipped broken.md: broken frontmatter: day is out of range for month" in caplog.text
    assert "Liquid cooling keeps dense GPU racks" in live.reply("how are GPU racks cooled").body
    assert "quantum annealers" in live.reply("what does the roadmap ship").body


# --- hot reload ----------------------------------------------------------------------------


def unblock(fifo: Path) -> None:
    """Let a reader stuck opening `fifo` go (the unfixed loader): open it for writing, close it."""
    try:
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    except OSError:
        pass  # no reader is waiting


def test_hot_reload_ignores_folders_linked_from_outside_and_fifos(tmp_path: Path) -> None:
    """The watch covers the folders the loader reads, not a folder a link points to outside
    (a link to / would watch the whole machine); a FIFO added later does not block reloads."""
    outside = tmp_path / "outside"
    write(outside, "elsewhere.md", "# Elsewhere\n\nNot knowledge.\n")
    kb = tmp_path / "kb"
    write(kb, "quotas.md", QUOTAS)
    os.symlink(outside, kb / "linked-out")
    live = LiveAssistant(Assistant.load(kb))
    first = live.current
    fifo = kb / "pipe.md"

    async def main() -> None:
        async with watching(live, before_stop=lambda: unblock(fifo)) as watcher:
            write(outside, "elsewhere.md", "# Elsewhere\n\nChanged, and still not knowledge.\n")
            await asyncio.sleep(2.0)  # well past the debounce
            assert live.current is first, "a change outside the knowledge folder reloaded it"

            os.mkfifo(fifo)
            write(kb, "gpu.md", GPU)
            await until(lambda: "Liquid cooling" in live.reply("how are GPU racks cooled").body)
            assert any(p.path == "pipe.md" and "named pipe" in p.reason for p in live.current.kb.problems)
            assert not watcher.done()

    asyncio.run(main())
