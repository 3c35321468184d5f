"""Running for real: hot reload, the admin `reload` in Slack, /healthz and /metrics, JSON logs,
settings, and several instances sharing one database.

Real parts throughout: files edited on disk and watched by watchfiles, the Slack adapter
over signed HTTP on 127.0.0.1 against the fake Slack, real SQLite files and a real
PostgreSQL, `cloudai discord` as a real process against the fake Discord.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable, Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from adapters import platforms
from adapters.slack import build_app, http_server
from bot.admins import Admins
from bot.assistant import Assistant
from bot.delivery import DigestService, Target
from bot.digest import Digest
from bot.health import Health
from bot.live import LiveAssistant
from bot.metrics import Metrics
from bot.settings import Settings, variable_name
from bot.store import Store
from tests import discord_fake as fake_discord
from tests.conftest import ROOT, free_port, run_cloudai, until, watching, write
from tests.discord_fake import BOT_ID, FakeDiscord
from tests.slack_fake import FORM, JSON, FakeSlack, block_action, event_callback, settings_for, signed_post, slash_command, start_fake_slack

pytestmark = pytest.mark.slow  # servers, fake Slack/Discord, PostgreSQL, `cloudai` processes


def get(url: str) -> tuple[int, str, str]:
    """(status, body, content type) of a GET."""
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read().decode(), resp.headers.get("Content-Type", "")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode(), err.headers.get("Content-Type", "")


def metric(text: str, name: str, **labels: str) -> float:
    """One sample's value from Prometheus text, read with prometheus_client's own parser."""
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return sample.value
    return 0.0


@pytest.fixture()
def slack_server() -> Iterator[Callable[..., str]]:
    """Starts Slack HTTP servers for a test (`start(live, fake, **build_args)` → base URL)."""
    servers = []

    def start(assistant: Assistant | LiveAssistant, fake: FakeSlack, health: Health | None = None,
              **kwargs: object) -> str:
        server = http_server(build_app(assistant, settings_for(fake), **kwargs), "127.0.0.1", 0, health)  # type: ignore[arg-type]
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


# -- hot reload ----------------------------------------------------------------------------

def test_edits_additions_and_deletions_are_served_within_seconds(tmp_path: Path,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    folder = tmp_path / "kb"
    write(folder, "gpus.md", "# GPU Clusters\n\nGPU clusters are cooled by air in every region.\n")
    write(folder, "billing.md", "# Billing\n\nInvoices for cloud spend arrive monthly.\n")
    live = LiveAssistant(Assistant.load(folder))

    def cites(question: str, title: str) -> bool:
        reply = live.reply(question)
        return not reply.no_match and any(title in s.label for s in reply.sources)

    async def main() -> None:
        async with watching(live):
            write(folder, "gpus.md", "# GPU Clusters\n\nGPU clusters are cooled by liquid in every region.\n")
            await until(lambda: "liquid" in live.reply("how are GPU clusters cooled").body)

            write(folder, "notes/quantum.md", "# Quantum Computing\n\nQuantum computers compute with qubits.\n")
            await until(lambda: cites("what are qubits", "Quantum Computing"))

            (folder / "billing.md").unlink()
            await until(lambda: all(d.title != "Billing" for d in live.current.kb.documents))
            assert not cites("when do invoices arrive", "Billing")

            # a broken save: the last good version keeps serving, and the log says why
            (folder / "gpus.md").write_bytes(b"# GPU Clusters\n\nhalf-saved \xff\xfe text\n")
            await until(lambda: "still serving its last good version" in caplog.text)
            assert "gpus.md: not UTF-8 text" in caplog.text
            assert "liquid" in live.reply("how are GPU clusters cooled").body
            assert cites("what are qubits", "Quantum Computing")  # the rest reloaded as usual

    asyncio.run(main())
    assert "knowledge reloaded" in caplog.text


def test_an_edit_to_a_file_a_page_includes_is_served(tmp_path: Path) -> None:
    """A page's snippet (`--8<-- "snippets/limits.ext"`, bot/snippets.py) makes that file part
    of the page: saving it reloads the page, though it is not Markdown."""
    folder = tmp_path / "kb"
    write(folder, "snippets/limits.ext", "Each run may use 8 GPUs.\n")
    write(folder, "runs.md", "# Runs\n\n## Limits\n\n--8<-- \"snippets/limits.ext\"\n")
    live = LiveAssistant(Assistant.load(folder))
    assert "8 GPUs" in live.reply("how many GPUs may a run use").body

    async def main() -> None:
        async with watching(live):
            write(folder, "snippets/limits.ext", "Each run may use 16 GPUs.\n")
            await until(lambda: "16 GPUs" in live.reply("how many GPUs may a run use").body)

    asyncio.run(main())


def test_a_reload_that_finds_nothing_usable_keeps_serving_the_old_knowledge(tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    write(folder, "gpus.md", "# GPU Clusters\n\nGPU clusters are cooled by air.\n")
    live = LiveAssistant(Assistant.load(folder))
    (folder / "gpus.md").write_bytes(b"")
    (folder / "gpus.md").unlink()
    result = live.reload()
    assert not result.ok and "no usable Markdown files" in result.error
    assert "air" in live.reply("how are GPU clusters cooled").body


def test_a_question_during_reloads_is_answered_wholly_from_one_version(tmp_path: Path) -> None:
    """Questions asked while the knowledge flips between two versions: each answer's text
    and its source always come from the same version, and nothing raises."""
    folder = tmp_path / "kb"

    def version(n: int) -> None:
        name = ("alpha", "beta")[n - 1]
        write(folder, "release.md", f"---\ntitle: Release Notes {n}\n---\n\n# Release Notes {n}\n\n"
                                    f"The current release codename is {name}; upgrade to {name} now.\n")
        write(folder, "roadmap.md", f"# Roadmap {n}\n\nAfter {name} we plan more regions.\n")

    version(1)
    live = LiveAssistant(Assistant.load(folder))
    stop = threading.Event()
    errors: list[BaseException] = []

    def flip() -> None:
        n = 1
        try:
            while not stop.is_set():
                n = 3 - n
                version(n)
                assert live.reload().ok
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)

    flipper = threading.Thread(target=flip)
    flipper.start()
    seen = set()
    try:
        deadline = time.monotonic() + 20
        while len(seen) < 2 or time.monotonic() < deadline - 17:
            assert time.monotonic() < deadline, "both versions were never seen"
            reply = live.reply("what is the current release codename")
            label = reply.sources[0].label
            number = "1" if "Release Notes 1" in label else "2"
            assert ("alpha" if number == "1" else "beta") in reply.body, (label, reply.body)
            seen.add(number)
    finally:
        stop.set()
        flipper.join()
    assert not errors, errors


# -- the admin command in Slack --------------------------------------------------------------

def test_slack_reload_is_for_admins_and_answered_privately(tmp_path: Path, slack_server) -> None:
    folder = tmp_path / "kb"
    write(folder, "gpus.md", "# GPU Clusters\n\nGPU clusters are cooled by air.\n")
    live = LiveAssistant(Assistant.load(folder), Admins.parse("slack:U1, discord:1234", platforms.names()))
    fake = start_fake_slack()
    url = slack_server(live, fake) + "/slack/events"
    write(folder, "gpus.md", "# GPU Clusters\n\nGPU clusters are cooled by liquid.\n")

    status, _ = signed_post(url, slash_command(fake, "reload").replace("user_id=U1", "user_id=U7"), FORM)
    assert status == 200
    refused = fake.pop("/response/cmd")
    assert refused.body["response_type"] == "ephemeral"
    assert "Not allowed" in refused.texts[0] and "CLOUDAI_ADMINS" in " ".join(refused.texts)
    assert "air" in live.reply("how are GPU clusters cooled").body

    signed_post(url, slash_command(fake, "Reload"), FORM)  # U1 is an admin
    done = fake.pop("/response/cmd")
    assert done.body["response_type"] == "ephemeral"
    assert "Knowledge reloaded" in done.texts[0] and "1 document," in " ".join(done.texts)
    signed_post(url, slash_command(fake, "how are GPU clusters cooled?"), FORM)
    assert "liquid" in " ".join(fake.pop("/response/cmd").texts)

    event = {"type": "app_mention", "user": "U9", "text": "<@UBOT> reload", "ts": "7.7", "channel": "C1"}
    signed_post(url, event_callback(event, "Ev-reload"), JSON)
    assert "Not allowed" in fake.pop("/api/chat.postMessage").texts[0]
    fake.server.shutdown()


# -- /healthz and /metrics -----------------------------------------------------------------

def test_healthz_and_metrics_on_the_slack_http_port(bundled: Assistant, db_url: str, slack_server) -> None:
    store = Store(db_url)
    metrics = Metrics()
    live = LiveAssistant(bundled, metrics=metrics)
    fake = start_fake_slack()
    base = slack_server(live, fake, Health(live, metrics, store), store=store)
    try:
        status, body, kind = get(f"{base}/healthz")
        report = json.loads(body)
        assert status == 200 and kind == "application/json"
        assert report["status"] == "ok" and report["store"] == "ok"
        assert report["knowledge"]["documents"] == len(bundled.kb.documents)

        signed_post(f"{base}/slack/events", slash_command(fake, "best practices"), FORM)
        signed_post(f"{base}/slack/events", slash_command(fake, "qwxz plorf"), FORM)
        fake.pop("/response/cmd")
        fake.pop("/response/cmd")
        status, text, kind = get(f"{base}/metrics")
        assert status == 200 and kind.startswith("text/plain")
        assert metric(text, "cloudai_questions_total", platform="slack") == 2
        assert metric(text, "cloudai_no_matches_total", platform="slack") == 1
        assert metric(text, "cloudai_answer_latency_seconds_count", platform="slack") == 2
        assert metric(text, "cloudai_knowledge_documents") == len(bundled.kb.documents)
    finally:
        store.close()
        fake.server.shutdown()


def test_healthz_fails_when_the_store_is_unreachable_and_questions_are_still_answered(bundled: Assistant, pg_server, slack_server) -> None:
    import psycopg

    url = pg_server.new_database()
    store = Store(url)
    live = LiveAssistant(bundled)
    fake = start_fake_slack()
    base = slack_server(live, fake, Health(live, Metrics(), store), store=store)
    assert get(f"{base}/healthz")[0] == 200
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0] + "/postgres",
                         autocommit=True) as conn:
        conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    status, body, _ = get(f"{base}/healthz")
    assert status == 503
    report = json.loads(body)
    assert report["status"] == "failing" and report["store"].startswith("unreachable")
    assert "@" not in body  # never the database URL
    event = {"type": "app_mention", "user": "U1", "text": "<@UBOT> what is AIaaS?", "ts": "8.8", "channel": "C1"}
    assert signed_post(f"{base}/slack/events", event_callback(event, "Ev-db-down"), JSON)[0] == 200
    assert "AIaaS" in " ".join(fake.pop("/api/chat.postMessage").texts)  # still answering without its store
    store.close()
    fake.server.shutdown()


def test_posted_digests_are_counted(bundled: Assistant, tmp_path: Path) -> None:
    metrics = Metrics()
    store = Store(f"sqlite:///{tmp_path / 'state.db'}")

    async def post(digest: Digest) -> str:
        return "m1"

    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    service = DigestService(lambda: bundled, store, settings, [Target("slack", "C1", post)], metrics=metrics)
    day = service.today()
    assert [o.status for o in asyncio.run(service.post(day))] == ["posted"]
    assert [o.status for o in asyncio.run(service.post(day))] == ["already posted"]
    assert metric(metrics.render().decode(), "cloudai_digests_posted_total", platform="slack") == 1
    store.close()


def test_a_discord_worker_serves_health_and_metrics_and_logs_json(tmp_path: Path) -> None:
    """`cloudai discord --log-format json` with CLOUDAI_HEALTH_PORT: a worker with no HTTP port of
    its own still answers probes; each log line is one JSON object, the answer line with fields."""
    port = free_port()

    async def main() -> tuple[str, str]:
        fake = await FakeDiscord().start()
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "CLOUDAI_", "PORT"))}
        env = {**clean, "PYTHONPATH": str(ROOT), "HOME": str(tmp_path), "DISCORD_TOKEN": fake_discord.TOKEN,
               "DISCORD_API_URL": fake.base, "DISCORD_GATEWAY_URL": fake.gateway, "CLOUDAI_HEALTH_PORT": str(port),
               "CLOUDAI_HOST": "127.0.0.1", "CLOUDAI_DATA_DIR": str(tmp_path / "data")}
        proc = subprocess.Popen([sys.executable, "-m", "app.cli", "discord", "--log-format", "json"], cwd=tmp_path,
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            await asyncio.wait_for(fake.identified.wait(), 30)
            await fake.pop(1)  # the command sync
            status, body, _ = await asyncio.to_thread(get, f"http://127.0.0.1:{port}/healthz")
            assert status == 200 and json.loads(body)["status"] == "ok"
            await fake.push("MESSAGE_CREATE", fake_discord.message(f"<@{BOT_ID}> what is AIaaS?",
                                                                   mentions=[fake_discord.user(BOT_ID, "cloudai",
                                                                                               bot=True)]))
            assert "AIaaS" in (await fake.pop(1))[0].embed["description"]
            _, text, _ = await asyncio.to_thread(get, f"http://127.0.0.1:{port}/metrics")
            assert metric(text, "cloudai_questions_total", platform="discord") == 1
        finally:
            proc.send_signal(signal.SIGTERM)
            out, err = await asyncio.to_thread(proc.communicate, timeout=30)
            await fake.stop()
        assert proc.returncode == 0, err
        return out, err

    out, err = asyncio.run(main())
    records = [json.loads(line) for line in err.splitlines() if line.strip()]
    assert records and all({"time", "level", "logger", "message"} <= r.keys() for r in records)
    (answered,) = [r for r in records if r["message"].startswith("answered ")]
    assert answered["platform"] == "discord" and answered["intent"] and answered["latency_ms"] >= 0
    assert any("stopped on a signal" in r["message"] for r in records)
    assert fake_discord.TOKEN not in out + err


# -- several instances on one database --------------------------------------------------------

def test_two_instances_on_one_database_answer_a_retried_event_once_and_share_votes(
        bundled: Assistant, db_url: str, slack_server) -> None:
    """Slack HTTP mode behind a load balancer: each request may reach either instance."""
    fake = start_fake_slack()
    stores = [Store(db_url), Store(db_url)]  # one each, as two processes would have
    a, b = (slack_server(bundled, fake, store=s) + "/slack/events" for s in stores)
    try:
        event = {"type": "app_mention", "user": "U1", "text": "<@UBOT> what is AIaaS?", "ts": "9.1", "channel": "C1"}
        assert signed_post(a, event_callback(event, "Ev-once"), JSON)[0] == 200
        assert signed_post(b, event_callback(event, "Ev-once"), JSON, headers={"X-Slack-Retry-Num": "1"})[0] == 200
        posted = [p for p in fake.settle(1.0) if "chat.postMessage" in p.path]
        assert len(posted) == 1 and "AIaaS" in " ".join(posted[0].texts)

        signed_post(b, slash_command(fake, "best practices"), FORM)  # no session: any instance answers
        assert "Best Practices" in " ".join(fake.pop("/response/cmd").texts)

        value = json.dumps({"q": "what is AIaaS?", "s": "AIaaS", "i": "definition"})
        for url, user in ((a, "U1"), (b, "U2")):
            signed_post(url, block_action(fake, "cloudai_feedback_down", value).replace("%22U2%22", f"%22{user}%22"),
                        FORM)
            fake.pop("/response/action")
        for store in stores:
            (worst,) = store.worst_rated()
            assert (worst.question, worst.down) == ("what is AIaaS?", 2)
    finally:
        for store in stores:
            store.close()
        fake.server.shutdown()


# -- settings ------------------------------------------------------------------------------------

def test_example_env_documents_every_setting() -> None:
    """The core settings and each registered platform's section."""
    documented = (ROOT / "config" / "example.env").read_text(encoding="utf-8")
    models = [Settings, *(platforms.platform(name).settings_model for name in platforms.names())]
    missing = [variable_name(f, model) for model in models for f in model.model_fields
               if not re.search(rf"^#?\s*{variable_name(f, model)}=", documented, re.MULTILINE)]
    assert not missing


def test_bad_admin_ids_and_ports_are_one_line_naming_the_variable(tmp_path: Path) -> None:
    out = run_cloudai(["config"], {"CLOUDAI_ADMINS": "U1, teams:U2", "HOME": str(tmp_path)}, cwd=tmp_path)
    assert out.returncode == 2
    assert out.stderr.strip().startswith("cloudai: error: invalid settings: CLOUDAI_ADMINS='U1, teams:U2': 'teams:U2'")
    assert len(out.stderr.strip().splitlines()) == 1
    out = run_cloudai(["discord"], {"CLOUDAI_HEALTH_PORT": "70000", "DISCORD_TOKEN": "x", "HOME": str(tmp_path)},
                      cwd=tmp_path)
    assert out.returncode == 2 and "CLOUDAI_HEALTH_PORT='70000'" in out.stderr and "Traceback" not in out.stderr
    out = run_cloudai(["config"], {"CLOUDAI_ADMINS": "U0123, discord:1234", "CLOUDAI_LOG_FORMAT": "json",
                                   "HOME": str(tmp_path)}, cwd=tmp_path)
    assert "CLOUDAI_ADMINS=U0123, discord:1234" in out.stdout and "CLOUDAI_LOG_FORMAT=json" in out.stdout


def test_admin_ids_match_their_platform() -> None:
    admins = Admins.parse("U0123, discord:1234, slack:<@U0456>", platforms.names())
    assert admins.allows("slack", "U0123") and admins.allows("discord", "U0123")
    assert admins.allows("discord", "1234") and not admins.allows("slack", "1234")
    assert admins.allows("slack", "U0456") and not admins.allows("slack", None)
    assert not Admins.parse("", platforms.names())


def test_three_instances_posting_on_one_postgresql_post_the_digest_once(pg_server, tmp_path: Path) -> None:
    """Three `cloudai digest post` processes at once, on one PostgreSQL: one posts, and the
    others say it is out (or being posted) rather than posting again."""
    fake = start_fake_slack()
    env = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_API_URL": f"{fake.url}/api/", "SLACK_DIGEST_CHANNEL": "C9",
           "CLOUDAI_DATABASE_URL": pg_server.new_database(), "HOME": str(tmp_path)}
    runs: list[subprocess.CompletedProcess[str]] = []
    threads = [threading.Thread(target=lambda: runs.append(run_cloudai(["digest", "post"], env, cwd=tmp_path)))
               for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    posts = [p for p in fake.settle(0.5) if p.path.endswith("chat.postMessage")]
    fake.server.shutdown()
    assert len(posts) == 1 and posts[0].body["channel"] == "C9"
    assert sorted(r.returncode for r in runs) == [0, 0, 0], [r.stderr for r in runs]
    outputs = "\n".join(r.stdout for r in runs)
    assert outputs.count("slack:C9: posted") == 1
    assert outputs.count("already posted") + outputs.count("in progress elsewhere") == 2
