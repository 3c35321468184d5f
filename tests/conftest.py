"""Shared fixtures: the bundled assistant (loaded once) and the real corpora beside the project."""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import AsyncIterator, Callable

import pytest

from bot.assistant import Assistant
from bot.live import LiveAssistant
from bot.watch import watch

ROOT = Path(__file__).resolve().parents[1]
# Validated intent catalogs are cached in the user's cache folder (bot/catalog_file.py): tests keep
# theirs apart, and every subprocess they start inherits this
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="cloudai-tests-cache-")
atexit.register(shutil.rmtree, os.environ["XDG_CACHE_HOME"], ignore_errors=True)
SHARED = ROOT.parent / "shared"
CORPORA = SHARED / "corpora"
EVAL = SHARED / "eval"


async def until(check: "Callable[[], bool]", timeout: float = 15.0) -> None:
    """Wait (in an event loop) until `check()` holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def watching(live: LiveAssistant, before_stop: Callable[[], None] = lambda: None) -> AsyncIterator["asyncio.Task[None]"]:
    """Hot reload (bot/watch.py) of `live` for the block's length, in place before the block
    runs; `before_stop` runs as it ends, before the watcher is waited for."""
    stopping = asyncio.Event()
    watcher = asyncio.create_task(watch(live, stopping))
    await asyncio.sleep(0.5)  # the watcher is in place
    try:
        yield watcher
    finally:
        stopping.set()
        before_stop()
        await asyncio.wait_for(watcher, 5)


def free_port() -> int:
    """A port on 127.0.0.1 nothing listens on right now (tests never use fixed ports)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def healthy(port: int, timeout: float, alive: "Callable[[], bool]" = lambda: True) -> bool:
    """Wait until a process's /healthz on 127.0.0.1:`port` answers 200 (False after `timeout`
    seconds, or as soon as `alive()` says the process has gone)."""
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive():
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                if r.status == 200:
                    return True
        except OSError:
            time.sleep(0.05)
    return False


def corpus(name: str) -> Path:
    """A corpus from ../shared/corpora, or a visible skip where ../shared is absent."""
    path = CORPORA / name
    if not path.is_dir():
        pytest.skip(f"../shared/corpora/{name} not found ({path}): corpus tests need ../shared beside the project")
    return path


def write(root: Path, name: str, text: str | bytes) -> Path:
    """Write a test file (text as UTF-8, or raw bytes), creating folders as needed."""
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def run_cloudai(args: list[str], env: dict[str, str], cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """`cloudai ARGS` in a fresh interpreter, with `env` and none of this shell's platform settings."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "CLOUDAI_", "PORT"))}
    return subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=cwd,
                          env={**clean, "PYTHONPATH": str(ROOT), **env}, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="session")
def bundled() -> Assistant:
    return Assistant.load()


@pytest.fixture(scope="session")
def seeds_assistant() -> Assistant:
    return Assistant.load(corpus("seeds"))


@pytest.fixture(scope="session")
def sagemaker_assistant() -> Assistant:
    return Assistant.load(corpus("sagemaker"))


@pytest.fixture(scope="session")
def pg_server():  # type: ignore[no-untyped-def]
    from .postgres import start

    server, why = start()
    if server is None:
        pytest.skip(f"PostgreSQL tests skipped: {why}")
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])  # a server: slow
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database of each kind: a real SQLite file, and a new database on a real PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'state.db'}"
    return request.getfixturevalue("pg_server").new_database()
