"""The daily digest: what it says, and that it is posted exactly once per channel and day.

Every store test runs on a real SQLite file and on a real PostgreSQL database (`db_url`).
Time is a controlled clock, never a sleep until 9 am.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import subprocess
import sys
import threading
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.assistant import Assistant
from bot.delivery import DigestScheduler, DigestService, Target
from bot.digest import Digest, DigestComposer, History
from bot.feedback import Feedback
from bot.render import plain_text
from bot.settings import Settings
from bot.store import Store

from .conftest import ROOT, run_cloudai, write

PARIS = ZoneInfo("Europe/Paris")
DAY = dt.date(2026, 11, 24)  # a Tuesday


class Clock:
    """A settable clock for the store and the service."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


class Recorder:
    """A digest target that records what it posts; `fail` makes the next posts raise."""

    def __init__(self, platform: str = "slack", channel: str = "C-digest", fail: int = 0) -> None:
        self.posted: list[Digest] = []
        self.fail = fail
        self.lock = threading.Lock()
        self.target = Target(platform, channel, self.post)

    async def post(self, digest: Digest) -> str:
        await asyncio.sleep(0.01)  # a network round trip, so racing instances really overlap
        with self.lock:
            if self.fail:
                self.fail -= 1
                raise ConnectionError("HTTP 503 from the platform")
            self.posted.append(digest)
            return f"msg-{len(self.posted)}"


def settings(**kw: object) -> Settings:
    values: dict[str, object] = {"digest_time": "09:00", "digest_tz": "Europe/Paris"}
    values.update(kw)
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def service(assistant: Assistant, store: Store, *targets: Target, clock: Clock | None = None,
            **kw: object) -> DigestService:
    return DigestService(lambda: assistant, store, settings(**kw), list(targets),
                         clock=clock or Clock(dt.datetime(2026, 11, 24, 9, 30, tzinfo=PARIS)))


# -- what the digest says ----------------------------------------------------------------

def test_the_digest_has_a_trend_a_figure_whats_new_and_a_question(bundled: Assistant, tmp_path: Path) -> None:
    digest = service(bundled, Store(f"sqlite:///{tmp_path / 's.db'}")).preview(DAY)
    assert digest.trend is not None and digest.trend.source.startswith("Key Trends in Cloud and AI › ")
    assert digest.figure is not None and any(c.isdigit() for c in digest.figure.title + digest.figure.text)
    assert digest.first_edition and "first digest" in digest.to_markdown()
    assert digest.try_asking and not bundled.reply(digest.try_asking).no_match
    text = digest.to_markdown()
    assert text.startswith("# cloudai digest · Tuesday 24 November 2026")
    for part in ("📈 Trend spotlight", "🔢 Figure of the day", "🆕 What's new", "💬 Try asking"):
        assert part in text


def test_a_digest_part_keeps_its_title_text_and_source_on_lines_of_their_own(bundled: Assistant,
                                                                              tmp_path: Path) -> None:
    """A chat joins the lines of a paragraph wrapped by an editor (bot/render.py): the trend's
    title, its text and its source are three lines, not one run-on line."""
    digest = service(bundled, Store(f"sqlite:///{tmp_path / 's.db'}")).preview(DAY)
    assert digest.trend is not None and digest.figure is not None
    parts = dict(digest.parts())
    trend = plain_text(parts["📈 Trend spotlight"]).splitlines()
    assert len(trend) == 3 and trend[0] == digest.trend.title and trend[2].startswith("Source: "), trend
    figure = plain_text(parts["🔢 Figure of the day"]).splitlines()
    assert len(figure) == 2 and figure[1] == f"Source: {digest.figure.source}", figure
    from adapters.slack import render_digest  # Slack puts each part's heading above it in one block
    shown = [b["text"]["text"] for b in render_digest(digest)["blocks"] if b["type"] == "section"]
    assert shown[0].splitlines()[:2] == ["*📈 Trend spotlight*", f"*{digest.trend.title}*"], shown[0]


def test_trends_come_from_the_knowledge_not_a_list(tmp_path: Path) -> None:
    write(tmp_path, "radar.md", "---\ntitle: Tech radar\ntags: [notes]\n---\n# Tech radar\n\n## Emerging trends\n\n"
          "### Serverless GPUs\n\nServerless GPU offerings let teams pay per second for inference capacity.\n\n"
          "### Vector databases\n\nVector databases index embeddings for semantic search at scale.\n\n"
          "## Team lunch\n\nWe meet on Fridays at noon in the big room on the second floor.\n")
    composer = DigestComposer(Assistant.load(tmp_path))
    assert [t.title for t in composer.trends] == ["Serverless GPUs", "Vector databases"]
    assert composer.figures == []


def test_a_team_s_own_notes_suggest_a_question_they_answer(tmp_path: Path) -> None:
    """Notes that answer none of the catalog's cloud + AI examples still get a "Try asking":
    one of their own topics, which they answer."""
    write(tmp_path, "kafka.md", "# Kafka retention\n\nTopics keep messages for seven days unless "
          "retention.ms says otherwise; compacted topics keep the latest value per key.\n")
    write(tmp_path, "oncall.md", "# On-call rota\n\nThe on-call engineer answers pages within fifteen minutes "
          "and hands over on Monday mornings.\n")
    assistant = Assistant.load(tmp_path)
    composer = DigestComposer(assistant)
    assert sorted(composer.questions) == ["Kafka retention", "On-call rota"], composer.questions
    digest = composer.compose(DAY, History())
    assert digest.try_asking in composer.questions and not assistant.reply(digest.try_asking).no_match


def test_try_asking_never_suggests_a_question_answered_by_a_section_of_another_kind(tmp_path: Path) -> None:
    """Kubeflow's digest suggested "how do I secure AI in the cloud?", which its docs answer
    with "Google Cloud AI Platform Pipelines"."""
    write(tmp_path, "pipelines.md", "# Cloud AI Platform Pipelines\n\nInstall the pipelines on the cloud AI "
          "platform; secure the cluster with its own service account.\n")
    write(tmp_path, "kafka.md", "# Kafka retention\n\nTopics keep messages for seven days unless retention.ms "
          "says otherwise.\n")
    assistant = Assistant.load(tmp_path)
    assert not assistant.reply("how do I secure AI in the cloud?").no_match  # answered, by a page of another kind
    assert "how do I secure AI in the cloud?" not in DigestComposer(assistant).questions


def test_one_note_is_counted_as_one_document(tmp_path: Path) -> None:
    """A team starting with a single note reads "1 document", not "1 documents"."""
    write(tmp_path, "oncall.md", "# On-call rota\n\nThe on-call engineer answers pages within fifteen minutes.\n")
    assistant = Assistant.load(tmp_path)
    assert "I know 1 document. Ask" in assistant.reply("help").body
    assert "holds 1 document." in DigestComposer(assistant).compose(DAY, History()).to_markdown()


def test_rotation_shows_every_trend_before_repeating(bundled: Assistant, db_url: str) -> None:
    store = Store(db_url)
    svc = service(bundled, store)
    trends = DigestComposer(bundled).trends
    n = len(trends)
    assert n >= 5
    shown = [svc.edition(DAY + dt.timedelta(days=i)).trend for i in range(n + 2)]
    keys = [t.key for t in shown if t]
    assert len(set(keys[:n])) == n, "no trend repeats before every trend has been shown"
    assert set(keys[:n]) == {t.key for t in trends}
    assert keys[n] == keys[0] and keys[n + 1] == keys[1]
    figures = [svc.edition(DAY + dt.timedelta(days=i)).figure for i in range(n + 2)]
    fig_keys = [f.key for f in figures if f]
    m = len(DigestComposer(bundled).figures)
    assert len(set(fig_keys[:m])) == m
    store.close()


def test_whats_new_lists_only_files_added_or_edited_since_the_last_digest(tmp_path: Path, db_url: str) -> None:
    kb = tmp_path / "kb"
    write(kb, "a.md", "---\ntitle: Alpha\ndescription: About alpha.\n---\n# Alpha\n\nAlpha text about clusters.\n")
    write(kb, "b.md", "# Beta\n\nBeta text about storage.\n")
    store = Store(db_url)
    first = service(Assistant.load(kb), store).edition(DAY)
    assert first.first_edition and first.whats_new == ()

    write(kb, "a.md", "---\ntitle: Alpha\ndescription: About alpha, revised.\ndate: 2026-11-24\n---\n# Alpha\n\n"
          "Alpha text about clusters, now longer.\n")
    write(kb, "c.md", "# Gamma\n\nGamma is new: a page about networking.\n")
    second = service(Assistant.load(kb), store).edition(DAY + dt.timedelta(days=1))
    assert {(c.path, c.status) for c in second.whats_new} == {("a.md", "changed"), ("c.md", "new")}
    alpha = next(c for c in second.whats_new if c.path == "a.md")
    assert alpha.line == "About alpha, revised." and alpha.date == "2026-11-24"
    assert "Gamma is new" in next(c for c in second.whats_new if c.path == "c.md").line

    third = service(Assistant.load(kb), store).edition(DAY + dt.timedelta(days=2))
    assert third.whats_new == () and not third.first_edition
    assert "No documents were added or changed" in third.to_markdown()
    store.close()


def test_preview_changes_nothing(bundled: Assistant, tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    svc = service(bundled, store)
    assert svc.preview(DAY) == svc.preview(DAY)
    assert store.edition(DAY) is None and store.history(DAY + dt.timedelta(days=9)).snapshot is None
    kept = svc.edition(DAY)
    assert svc.preview(DAY) == kept  # once kept, the preview shows what was posted


# -- exactly once ------------------------------------------------------------------------

def test_two_instances_racing_post_once(bundled: Assistant, db_url: str) -> None:
    recorder = Recorder()
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def instance() -> None:
        store = Store(db_url)  # its own engine and connections
        svc = service(bundled, store, recorder.target)
        barrier.wait()
        outcomes.extend(o.status for o in asyncio.run(svc.post(DAY)))
        store.close()

    threads = [threading.Thread(target=instance) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(recorder.posted) == 1
    assert sorted(outcomes).count("posted") == 1 and len(outcomes) == 4
    store = Store(db_url)
    delivery = store.delivery("slack", "C-digest", DAY)
    assert delivery is not None and delivery.state == "posted" and delivery.message_id == "msg-1"


@pytest.mark.slow  # `cloudai` processes
def test_separate_processes_racing_post_once(bundled: Assistant, tmp_path: Path) -> None:
    """Two real processes on one SQLite file, each posting through its own service."""
    db = f"sqlite:///{tmp_path / 'shared.db'}"
    log = tmp_path / "posts.log"
    code = f"""
import asyncio, datetime as dt, sys
from zoneinfo import ZoneInfo
from bot.assistant import Assistant
from bot.delivery import DigestService, Target
from bot.settings import Settings
from bot.store import Store
async def post(d):
    with open({str(log)!r}, "a") as f:
        f.write(sys.argv[1] + "\\n")
    return sys.argv[1]
s = Settings(_env_file=None, digest_tz="Europe/Paris")
svc = DigestService(Assistant.load, Store({db!r}), s, [Target("slack", "C1", post)],
                    clock=lambda: dt.datetime(2026, 11, 24, 9, 30, tzinfo=ZoneInfo("Europe/Paris")))
print(asyncio.run(svc.run_if_due())[0].status)
"""
    Store(db).close()  # schema first, so both processes race on the claim rather than CREATE TABLE
    procs = [subprocess.Popen([sys.executable, "-c", code, f"p{i}"], cwd=ROOT, stdout=subprocess.PIPE, text=True)
             for i in range(3)]
    statuses = sorted(p.communicate(timeout=120)[0].strip() for p in procs)
    assert statuses.count("posted") == 1, statuses
    assert len(log.read_text().splitlines()) == 1


def test_a_restart_after_posting_does_not_post_again(bundled: Assistant, db_url: str) -> None:
    recorder = Recorder()
    first = Store(db_url)
    assert [o.status for o in asyncio.run(service(bundled, first, recorder.target).run_if_due())] == ["posted"]
    first.close()
    restarted = Store(db_url)
    outcomes = asyncio.run(service(bundled, restarted, recorder.target).run_if_due())
    assert [o.status for o in outcomes] == ["already posted"]
    assert re.fullmatch(r"at \d\d:\d\d CES?T", outcomes[0].detail)  # when, in the digest's zone
    assert len(recorder.posted) == 1


def test_a_post_that_fails_twice_then_succeeds_is_posted_once(bundled: Assistant, db_url: str) -> None:
    recorder = Recorder(fail=2)
    store = Store(db_url)
    svc = service(bundled, store, recorder.target)
    statuses = [asyncio.run(svc.run_if_due())[0].status for _ in range(4)]
    assert statuses == ["failed", "failed", "posted", "already posted"]
    assert len(recorder.posted) == 1
    assert store.delivery("slack", "C-digest", DAY).state == "posted"  # type: ignore[union-attr]


def test_a_claim_left_by_a_crashed_instance_expires(bundled: Assistant, db_url: str) -> None:
    clock = Clock(dt.datetime(2026, 11, 24, 8, 30, tzinfo=dt.timezone.utc))
    crashed = Store(db_url, clock=clock, claim_timeout=dt.timedelta(minutes=10))
    assert crashed.claim("slack", "C-digest", DAY)  # ...and the process dies before posting
    recorder = Recorder()
    survivor = Store(db_url, clock=clock, claim_timeout=dt.timedelta(minutes=10))
    svc = service(bundled, survivor, recorder.target, clock=clock)
    clock.now += dt.timedelta(minutes=5)
    assert [o.status for o in asyncio.run(svc.post(DAY))] == ["in progress elsewhere"]
    clock.now += dt.timedelta(minutes=6)
    assert [o.status for o in asyncio.run(svc.post(DAY))] == ["posted"]
    assert len(recorder.posted) == 1
    assert survivor.delivery("slack", "C-digest", DAY).attempts == 2  # type: ignore[union-attr]


def test_each_channel_and_platform_gets_its_own_delivery(bundled: Assistant, tmp_path: Path) -> None:
    slack, discord = Recorder("slack", "C1"), Recorder("discord", "123", fail=1)
    svc = service(bundled, Store(f"sqlite:///{tmp_path / 's.db'}"), slack.target, discord.target)
    assert [o.status for o in asyncio.run(svc.run_if_due())] == ["posted", "failed"]
    assert [o.status for o in asyncio.run(svc.run_if_due())] == ["already posted", "posted"]
    assert slack.posted[0] == discord.posted[0]  # the same edition everywhere


# -- when --------------------------------------------------------------------------------

def test_due_only_after_the_slot_and_never_backfills(bundled: Assistant, tmp_path: Path) -> None:
    svc = service(bundled, Store(f"sqlite:///{tmp_path / 's.db'}"))
    assert svc.due(dt.datetime(2026, 11, 24, 8, 59, tzinfo=PARIS)) is None
    assert svc.due(dt.datetime(2026, 11, 24, 9, 0, tzinfo=PARIS)) == DAY
    assert svc.due(dt.datetime(2026, 11, 24, 23, 59, tzinfo=PARIS)) == DAY  # a late start still posts today
    # 00:30 in Paris is still the 23rd in UTC: the digest's day is the local one
    assert svc.today(dt.datetime(2026, 11, 24, 0, 30, tzinfo=PARIS)) == DAY
    weekend = service(bundled, Store(f"sqlite:///{tmp_path / 's.db'}"), digest_skip_weekends=True)
    assert weekend.due(dt.datetime(2026, 11, 28, 10, 0, tzinfo=PARIS)) is None  # a Saturday
    assert weekend.due(dt.datetime(2026, 11, 30, 10, 0, tzinfo=PARIS)) == dt.date(2026, 11, 30)


@pytest.mark.parametrize("start", [dt.date(2026, 3, 27), dt.date(2026, 10, 23)])
@pytest.mark.parametrize("at", ["09:00", "02:30"])
def test_daylight_saving_changes_neither_skip_nor_double(bundled: Assistant, tmp_path: Path, start: dt.date,
                                                         at: str) -> None:
    """Paris changes clocks on 29 March and 25 October 2026: 02:30 does not exist on the first
    and happens twice on the second (the cron trigger fires at both). Each firing runs the
    service at that moment: one post per local day, every day."""
    recorder = Recorder()
    clock = Clock(dt.datetime.combine(start, dt.time(0, 0), tzinfo=PARIS))
    svc = service(bundled, Store(f"sqlite:///{tmp_path / 's.db'}"), recorder.target, clock=clock, digest_time=at)
    trigger = DigestScheduler(svc).trigger
    fire = clock.now
    while fire.astimezone(PARIS).date() < start + dt.timedelta(days=5):
        # step in UTC: wall-clock arithmetic would forget which 02:30 of the fall-back night it was
        fire = trigger.get_next_fire_time(None, fire.astimezone(dt.timezone.utc) + dt.timedelta(seconds=1))
        clock.now = fire
        asyncio.run(svc.run_if_due())
    assert [d.day for d in recorder.posted] == [start + dt.timedelta(days=i) for i in range(6)]


def test_the_scheduler_catches_up_at_start_and_posts_once(bundled: Assistant, tmp_path: Path) -> None:
    recorder = Recorder()
    svc = service(bundled, Store(f"sqlite:///{tmp_path / 's.db'}"), recorder.target,
                  clock=Clock(dt.datetime(2026, 11, 24, 15, 0, tzinfo=PARIS)))

    async def main() -> None:
        scheduler = DigestScheduler(svc)
        scheduler.start()
        for _ in range(100):
            if recorder.posted:
                break
            await asyncio.sleep(0.05)
        await scheduler.tick()  # the 09:00 job firing again (a retry, a second timer) posts nothing
        scheduler.stop()

    asyncio.run(main())
    assert len(recorder.posted) == 1 and recorder.posted[0].day == DAY


def test_a_failed_post_is_retried_later(bundled: Assistant, tmp_path: Path) -> None:
    recorder = Recorder(fail=1)
    svc = service(bundled, Store(f"sqlite:///{tmp_path / 's.db'}"), recorder.target)

    async def main() -> None:
        scheduler = DigestScheduler(svc)
        scheduler.scheduler.start()
        await scheduler.tick()
        retry = scheduler.scheduler.get_job("digest-retry")
        assert retry is not None
        delay = retry.next_run_time - dt.datetime.now(dt.timezone.utc)
        assert dt.timedelta(minutes=4) < delay <= dt.timedelta(minutes=5)
        await scheduler.tick()  # what the retry job runs
        scheduler.stop()

    asyncio.run(main())
    assert len(recorder.posted) == 1


# -- feedback ----------------------------------------------------------------------------

def test_feedback_is_kept_and_the_worst_answers_come_first(db_url: str) -> None:
    store = Store(db_url)
    votes = [("ada", "what is aiaas", "Trends › AIaaS", -1), ("bob", "what is aiaas", "Trends › AIaaS", -1),
             ("cy", "what is aiaas", "Trends › AIaaS", 1), ("ada", "best practices", "Best Practices", 1),
             ("ada", "gpu pricing", "Platforms", -1), ("ada", "gpu pricing", "Platforms", 1)]  # ada changed her mind
    for user, q, src, vote in votes:
        store.record(Feedback(question=q, source=src, vote=vote, platform="slack", user=user))
    worst = store.worst_rated()
    assert [(r.question, r.up, r.down) for r in worst] == [("what is aiaas", 1, 2)]
    store.close()


# -- the command -------------------------------------------------------------------------

@pytest.mark.slow  # `cloudai` processes
def test_cloudai_digest_post_posts_once_to_slack_and_discord_and_preview_changes_nothing(tmp_path: Path) -> None:
    from .discord_fake import TOKEN, FakeDiscord
    from .slack_fake import start_fake_slack

    slack = start_fake_slack()
    env = {"CLOUDAI_DATA_DIR": str(tmp_path / "data"), "SLACK_BOT_TOKEN": "xoxb-test",
           "SLACK_API_URL": f"{slack.url}/api/", "SLACK_DIGEST_CHANNEL": "C-digest", "DISCORD_TOKEN": TOKEN,
           "DISCORD_DIGEST_CHANNEL_ID": "1000000000000000004", "CLOUDAI_DIGEST_TZ": "Europe/Paris"}

    async def main() -> list[subprocess.CompletedProcess[str]]:
        discord = await FakeDiscord().start()
        env.update(DISCORD_API_URL=discord.base, DISCORD_GATEWAY_URL=discord.gateway)
        try:
            runs = [await asyncio.to_thread(run_cloudai, ["digest", "preview"], env)]
            runs.append(await asyncio.to_thread(run_cloudai, ["digest", "post"], env))
            sent = await discord.pop(1)
            assert [(s.method, s.path) for s in sent] == [("POST", "/channels/1000000000000000004/messages")]
            fields = [f["name"] for f in sent[0].embed["fields"]]
            assert fields[:2] == ["📈 Trend spotlight", "🔢 Figure of the day"]
            assert sent[0].json["allowed_mentions"]["parse"] == []
            runs.append(await asyncio.to_thread(run_cloudai, ["digest", "post"], env))
            assert await discord.pop(1, timeout=0.5) == []
            return runs
        finally:
            await discord.stop()

    try:
        preview, post, again = asyncio.run(main())
        assert preview.returncode == 0 and "📈 Trend spotlight" in preview.stdout
        assert post.returncode == 0, post.stderr
        assert "slack:C-digest: posted" in post.stdout and "discord:1000000000000000004: posted" in post.stdout
        posted = slack.pop("/api/chat.postMessage")
        assert posted.body["channel"] == "C-digest" and posted.body["blocks"][0]["type"] == "header"
        assert "Trend spotlight" in "\n".join(posted.texts)
        assert slack.settle(0.3) == []
        assert again.returncode == 0 and "already posted" in again.stdout and "nothing to post" in again.stdout
    finally:
        slack.server.shutdown()


@pytest.mark.slow  # `cloudai` processes
def test_cloudai_digest_post_without_channels_or_with_bad_settings_says_what_to_set(tmp_path: Path) -> None:
    none = run_cloudai(["digest", "post"], {"CLOUDAI_DATA_DIR": str(tmp_path)})
    assert none.returncode == 2 and "SLACK_DIGEST_CHANNEL" in none.stderr and "DISCORD_DIGEST_CHANNEL_ID" in none.stderr
    bad = run_cloudai(["digest", "preview"], {"CLOUDAI_DATA_DIR": str(tmp_path), "CLOUDAI_DIGEST_TZ": "Mars/Olympus",
                                       "CLOUDAI_DIGEST_TIME": "9am"})
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "CLOUDAI_DIGEST_TZ='Mars/Olympus' is not an IANA time zone" in bad.stderr
    assert "CLOUDAI_DIGEST_TIME='9am'" in bad.stderr


@pytest.mark.slow  # `cloudai` processes
def test_cloudai_feedback_lists_the_worst_rated_answers(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = Store(f"sqlite:///{data / 'cloudai.db'}")
    store.record(Feedback(question="what is aiaas", source="Key Trends › AIaaS", vote=-1, platform="discord",
                          user="1"))
    store.close()
    out = run_cloudai(["feedback"], {"CLOUDAI_DATA_DIR": str(data)})
    assert out.returncode == 0
    assert "'what is aiaas' -> Key Trends › AIaaS" in out.stdout and "👎 1" in out.stdout
