"""The deployment recipes: the Procfile under honcho for real, and the Dockerfile, systemd unit
and Procfile naming commands `cloudai` has.

The honcho test runs `honcho start web discord` in a scratch folder with the repository's
Procfile and a `.env` pointing Slack (HTTP mode) and Discord at the fakes on 127.0.0.1, then
talks to both bots and stops honcho the way Ctrl-C does. Every process it starts carries a
marker in its environment, so cleanup finds and kills them even when a step fails.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from app.cli import _parser
from tests import discord_fake as fake_discord
from tests.conftest import ROOT, free_port
from tests.discord_fake import BOT_ID, CHANNEL_ID, FakeDiscord
from tests.slack_fake import FORM, SIGNING_SECRET, signed_post, slash_command

pytestmark = pytest.mark.slow  # honcho, the Procfile's processes and fake Slack/Discord servers

PROCFILE = ROOT / "Procfile"
DOCKERFILE = ROOT / "Dockerfile"
UNIT = ROOT / "deploy" / "cloudai.service"
MARKER = "CLOUDAI_DEPLOY_TEST_RUN"  # only ever in the scratch .env, never in this shell


# -- helpers -------------------------------------------------------------------------------

def procfile_lines(path: Path = PROCFILE) -> dict[str, str]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^([A-Za-z0-9_-]+):\s*(.+)$", line)
        if m:
            out[m.group(1)] = m.group(2).strip()
    return out


def accepts(argv: list[str]) -> None:
    """`argv` (after the executable) is a `cloudai` command line the real parser accepts."""
    parser = _parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    assert argv and argv[0] in commands, f"{argv!r}: no such cloudai command (have {sorted(commands)})"
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse reports and exits on a bad command line
        raise AssertionError(f"cloudai rejects {argv!r}") from exc
    assert args.command == argv[0]


def instructions(path: Path) -> list[tuple[str, str]]:
    """A Dockerfile's (INSTRUCTION, arguments), continuation lines joined, comments dropped."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        word, _, rest = line.partition(" ")
        out.append((word.upper(), rest.strip()))
    return out


def unit_settings(path: Path = UNIT) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";", "[")) or "=" not in line:
            continue
        key, _, value = line.partition("=")
        out.setdefault(key.strip(), []).append(value.strip())
    return out


def group_alive(pgid: int) -> bool:
    """Whether any process (zombies aside) is left in process group `pgid`."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def marked_pids(marker: str) -> list[int]:
    """Processes whose environment carries this run's marker (honcho's children and theirs)."""
    needle = f"{MARKER}={marker}".encode()
    pids = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if needle in environ.read_bytes().split(b"\0"):
                pids.append(int(environ.parent.name))
        except (OSError, ValueError):
            continue
    return [p for p in pids if p != os.getpid()]


class Output:
    """honcho's merged output, read on a thread; lines can be waited for."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._read, args=(proc,), daemon=True)
        self._thread.start()

    def _read(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()

    def wait_for(self, pattern: str, timeout: float = 30.0) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        regex = re.compile(pattern)
        with self._changed:
            while True:
                for line in self.lines:
                    m = regex.search(line)
                    if m:
                        return m
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no line matching {pattern!r} in honcho's output:\n" + self.text)
                self._changed.wait(min(left, 0.2))

    @property
    def text(self) -> str:
        with self._changed:
            return "\n".join(self.lines)

    def join(self) -> None:
        self._thread.join(timeout=5)


def http_get(url: str, out: Output, timeout: float = 30.0) -> tuple[int, str]:
    """GET `url`, retrying while nothing listens yet; fails at once if a process stopped."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()
        except OSError as exc:
            if time.monotonic() > deadline or re.search(r"system +\| \S+ stopped \(rc=", out.text):
                raise AssertionError(f"GET {url}: {exc}; honcho's output:\n{out.text}") from None
            time.sleep(0.1)


def honcho_command() -> list[str]:
    try:
        import honcho.__main__  # noqa: F401  (`python -m honcho` exists)
    except ImportError:
        script = Path(sys.executable).with_name("honcho")
        if not script.exists():
            pytest.skip("honcho is not installed (pip install -e '.[test]')")
        return [str(script)]
    return [sys.executable, "-m", "honcho"]


# -- the Procfile under honcho -----------------------------------------------------------

# -- the recipes name real commands --------------------------------------------------------

def test_the_procfile_has_slack_web_and_discord_lines_cloudai_accepts() -> None:
    lines = procfile_lines()
    assert {"slack", "web", "discord"} <= set(lines), lines
    for name in ("slack", "web", "discord"):
        argv = shlex.split(lines[name])
        assert argv[0] == "cloudai", lines[name]
        accepts(argv[1:])
    assert "--http" in shlex.split(lines["web"])  # `web` is the type that receives HTTP and binds $PORT
    assert "--http" not in shlex.split(lines["slack"])


def test_the_dockerfile_runs_cloudai_installs_the_project_and_checks_healthz() -> None:
    steps = instructions(DOCKERFILE)
    first = [args for word, args in steps if word == "FROM"]
    assert first and first[0].startswith("python:3.11-slim")

    (cmd,) = [args for word, args in steps if word == "CMD"]
    argv = json.loads(cmd)  # exec form, so `docker run IMAGE cloudai run --http` replaces it
    assert argv[0] == "cloudai"
    accepts(argv[1:])
    accepts(["run", "--http"])  # the documented override

    runs = " && ".join(args for word, args in steps if word == "RUN")
    assert re.search(r"\bpip install (--?\S+ )*\.(\s|$)", runs), runs  # the project, from the build context

    (health,) = [args for word, args in steps if word == "HEALTHCHECK"]
    url = re.search(r"http://127\.0\.0\.1:\$\{PORT:-3000\}(/[^'\" ]*)", health)
    assert url and url.group(1) == "/healthz", health
    assert "urllib" in health and "curl" not in health

    users = [args for word, args in steps if word == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert any(word == "EXPOSE" and "3000" in args.split() for word, args in steps)
    envs = " ".join(args for word, args in steps if word == "ENV")
    assert "CLOUDAI_DATA_DIR=/data" in envs
    assert any(word == "VOLUME" and "/data" in args for word, args in steps)


def test_a_non_editable_install_carries_the_bundled_knowledge_and_catalog(tmp_path: Path) -> None:
    """`pip install .` (the container recipe) must ship knowledge/ and config/intents.yaml:
    the wheel holds them as data files, where bot.knowledge.bundled looks for them."""
    import zipfile

    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    (wheel,) = tmp_path.glob("cloudai-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    data = {n.split(".data/data/", 1)[1] for n in names if ".data/data/" in n}
    articles = {f"share/cloudai/knowledge/{p.name}" for p in (ROOT / "knowledge").glob("*.md")}
    assert articles and articles <= data
    assert "share/cloudai/config/intents.yaml" in data
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert ".env" in ignored and ".git" in ignored
    assert not {"knowledge", "config", "README.md", "pyproject.toml"} & set(ignored)


def test_the_systemd_unit_runs_cloudai_from_the_virtualenv() -> None:
    unit = unit_settings()
    (exec_start,) = unit["ExecStart"]
    argv = shlex.split(exec_start)
    assert argv[0].startswith("/opt/cloudai/") and Path(argv[0]).name == "cloudai"
    accepts(argv[1:])
    assert unit["EnvironmentFile"] == ["/etc/cloudai/cloudai.env"]
    assert "CLOUDAI_DATA_DIR=/var/lib/cloudai" in unit["Environment"]
    assert unit["StateDirectory"] == ["cloudai"]
    assert unit["Restart"] == ["on-failure"]
    assert unit["KillSignal"] == ["SIGTERM"] and int(unit["TimeoutStopSec"][0]) > 0
    assert unit["User"] and unit["User"][0] != "root"
    for hardening in ("NoNewPrivileges", "ProtectSystem", "ProtectHome", "PrivateTmp"):
        assert unit[hardening][0] in ("yes", "true", "strict"), hardening
    assert unit["ProtectSystem"] == ["strict"]


def test_honcho_start_runs_every_procfile_line(tmp_path: Path) -> None:
    """Plain `honcho start`, as a developer types it, starts every line: `slack` (Socket Mode,
    against the fake Socket Mode endpoint), `web` (Slack over HTTP) and `discord`; each one
    answers, and Ctrl-C stops them all, leaving no process behind."""
    from tests.slack_socket_fake import APP_TOKEN, BOT_TOKEN, start_fake_socket_slack

    honcho = honcho_command()
    work = tmp_path / "app"
    work.mkdir()
    shutil.copy(PROCFILE, work / "Procfile")
    names = list(procfile_lines(work / "Procfile"))
    assert {"slack", "web", "discord"} <= set(names), names
    web_offset = 100 * names.index("web")  # honcho gives the nth line base port + 100*n

    def bindable(p: int) -> bool:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", p))
            except OSError:
                return False
            return True

    port = next(p for p in (free_port() for _ in range(50)) if p + web_offset < 65536 and bindable(p + web_offset))
    marker = uuid.uuid4().hex
    slack = start_fake_socket_slack()

    async def main() -> None:
        discord = await FakeDiscord().start()
        (work / ".env").write_text("\n".join([
            f"SLACK_BOT_TOKEN={BOT_TOKEN}",
            f"SLACK_APP_TOKEN={APP_TOKEN}",
            f"SLACK_SIGNING_SECRET={SIGNING_SECRET}",
            f"SLACK_API_URL={slack.api_url}",
            "CLOUDAI_HOST=127.0.0.1",
            f"DISCORD_TOKEN={fake_discord.TOKEN}",
            f"DISCORD_API_URL={discord.base}",
            f"DISCORD_GATEWAY_URL={discord.gateway}",
            f"CLOUDAI_DATA_DIR={tmp_path / 'data'}",
            f"{MARKER}={marker}",
        ]) + "\n", encoding="utf-8")
        clean = {k: v for k, v in os.environ.items()
                 if not k.startswith(("DISCORD_", "SLACK_", "CLOUDAI_", "PORT", "PROCFILE"))}
        env = {**clean, "PATH": os.pathsep.join([str(Path(sys.executable).parent), clean.get("PATH", "")]),
               "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1", "HOME": str(tmp_path / "home")}
        proc = await asyncio.to_thread(
            subprocess.Popen, [*honcho, "start", "--no-colour", "-p", str(port)], cwd=work,
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
        out = Output(proc)
        try:
            pids = {name: int((await asyncio.to_thread(out.wait_for, name + r"\.1 started \(pid=(\d+)\)")).group(1))
                    for name in ("slack", "web", "discord")}

            # slack: Socket Mode through apps.connections.open and the WebSocket; a slash command answered
            await asyncio.to_thread(slack.wait_connected, 1, 30.0, lambda: proc.poll() is None)
            envelope = await asyncio.to_thread(slack.push, slack.slash_command("best practices"))
            ack = await asyncio.to_thread(slack.wait_ack, envelope, 10.0)
            assert ack.latency < 3, ack
            posted = await asyncio.to_thread(slack.pop, "/response/cmd", 15.0)
            assert posted.body["response_type"] == "in_channel"
            assert "Best Practices" in posted.body["text"], posted.body

            # web: Slack's HTTP mode on honcho's port for its line, with the health check
            status, body = await asyncio.to_thread(http_get, f"http://127.0.0.1:{port + web_offset}/healthz", out)
            assert status == 200 and json.loads(body)["status"] == "ok", body
            status, _ = await asyncio.to_thread(signed_post, f"http://127.0.0.1:{port + web_offset}/slack/events",
                                                slash_command(slack.web, "trends"), FORM)
            assert status == 200
            assert "trend" in "\n".join((await asyncio.to_thread(slack.pop, "/response/cmd", 15.0)).texts).lower()

            # discord: connected through the fake gateway, answers a mention with a reply
            await asyncio.wait_for(discord.identified.wait(), 30)
            await asyncio.to_thread(out.wait_for, r"discord\.1 \|.*connected to Discord as")
            await discord.pop(1, timeout=5)  # the /cloudai command sync
            bot = fake_discord.user(BOT_ID, "cloudai", bot=True)
            await discord.push("MESSAGE_CREATE", fake_discord.message(f"<@{BOT_ID}> what is AIaaS?", mentions=[bot]))
            sent = [s for s in await discord.pop(1, timeout=15) if s.method == "POST"]
            assert [s.path for s in sent] == [f"/channels/{CHANNEL_ID}/messages"], out.text
            assert "AIaaS" in json.dumps(sent[0].json)

            # all three are still up after all that
            assert not re.search(r"system +\| \S+ stopped \(rc=", out.text), out.text
            assert all(group_alive(pid) for pid in pids.values()), out.text

            # Ctrl-C: honcho passes SIGTERM on; every line stops gracefully, and honcho exits
            started = time.monotonic()
            proc.send_signal(signal.SIGINT)
            code = await asyncio.to_thread(proc.wait, 20)
            while any(group_alive(pid) for pid in pids.values()) and time.monotonic() - started < 20:
                await asyncio.sleep(0.1)
            assert not any(group_alive(pid) for pid in pids.values()), out.text
            assert marked_pids(marker) == [], out.text
            await asyncio.to_thread(out.join)
            assert code == 130, out.text  # honcho's status for SIGINT
            for name in pids:
                assert re.search(name + r"\.1 +\|.*stopped on a signal", out.text), out.text
            assert "SIGKILL" not in out.text
            assert slack.unacked() == []
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    await asyncio.to_thread(proc.wait, 10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            for pid in marked_pids(marker):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            if proc.stdout is not None:
                proc.stdout.close()
            await discord.stop()

    try:
        asyncio.run(main())
    finally:
        slack.stop()
