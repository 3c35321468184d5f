"""The shared flow (bot/conversation.py) and follow-ups (bot/followup.py, bot/context.py).

Most tests talk to a `Conversation` through an in-process fake platform in the manner of
errbot's `testbot`: `push` a message as a person would type it, `pop` what they would
see. The store-backed tests use a real SQLite file and a real PostgreSQL (tests/postgres.py);
`cloudai chat` runs as a subprocess reading stdin. Follow-ups over Slack and Discord are in
tests/test_slack.py and tests/test_discord.py.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy.exc import OperationalError

from bot.admins import Admins
from bot.assistant import Assistant
from bot.context import ContextKey, ContextMemory
from bot.conversation import Conversation, Incoming, Kind, Outcome
from bot.deliveries import Deliveries
from bot.feedback import Feedback, LogFeedback
from bot.followup import read
from bot.live import LiveAssistant
from bot.metrics import Metrics
from bot.ratelimit import QuestionLimiter
from bot.store import Store

from .conftest import ROOT


class Clock:
    """Time that moves only when a test says so."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.timezone.utc)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += dt.timedelta(minutes=minutes)


@dataclass
class FakePlatform:
    """errbot-style harness: `push` what a person types, `pop` what they see (a title, the
    question as the bot read it, the top source, or a notice)."""

    conversation: Conversation
    seen: list[Outcome] = field(default_factory=list)

    def push(self, text: str, *, thread: str = "t1", user: str = "U1", channel: str = "C1",
             kind: Kind = "mention") -> None:
        self.seen.append(self.conversation.handle(Incoming("test", user, channel, thread, text, kind)))

    def pop(self) -> Outcome:
        assert self.seen, "nothing was answered"
        return self.seen.pop(0)

    def ask(self, text: str, **where: str) -> Outcome:
        self.push(text, **where)  # type: ignore[arg-type]
        return self.pop()


def top(outcome: Outcome) -> str:
    assert outcome.reply is not None and outcome.reply.sources, outcome
    return outcome.reply.sources[0].label


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def bot(bundled: Assistant, clock: Clock) -> FakePlatform:
    return FakePlatform(Conversation(bundled, memory=ContextMemory(minutes=15, clock=clock)))


# -- the rule ---------------------------------------------------------------------------

@pytest.mark.parametrize("question", ["and in finance?", "what about retail?", "what about the risks?",
                                      "and by 2027?", "why?", "finance?", "how about retail", "in retail?",
                                      "why is that?"])
def test_short_questions_that_lean_on_the_previous_one_are_follow_ups(bundled: Assistant, bot: FakePlatform,
                                                                      question: str) -> None:
    bot.ask("use cases in healthcare")
    previous = bot.conversation.memory.recall(ContextKey("test", "C1", "t1"))
    assert read(question, previous, bundled.retriever.analyse).kind == "followup"


@pytest.mark.parametrize("question", ["tell me more", "more", "go on", "Tell me more, please.", "what else?",
                                      "tell me more about it"])
def test_asking_for_more_is_read_as_more(bundled: Assistant, bot: FakePlatform, question: str) -> None:
    bot.ask("use cases in healthcare")
    previous = bot.conversation.memory.recall(ContextKey("test", "C1", "t1"))
    assert read(question, previous, bundled.retriever.analyse).kind == "more"


@pytest.mark.parametrize("question", ["what is AIaaS?", "key trends", "best practices for data security",
                                      "and what are the main costs of running GPU clusters in the cloud today?",
                                      "hi", "thanks!", "help", "topics"])
def test_questions_that_stand_on_their_own_ignore_the_context(bundled: Assistant, bot: FakePlatform,
                                                              question: str) -> None:
    bot.ask("use cases in healthcare")
    previous = bot.conversation.memory.recall(ContextKey("test", "C1", "t1"))
    assert read(question, previous, bundled.retriever.analyse).kind == "new"


# -- follow-ups, as a person sees them ----------------------------------------------------

def test_a_follow_up_swaps_the_slot_and_keeps_the_question(bot: FakePlatform) -> None:
    assert top(bot.ask("use cases in healthcare")).endswith("Healthcare")
    finance = bot.ask("and in finance?")
    assert top(finance).endswith("Finance and Financial Services")
    assert finance.reply is not None and finance.reply.question == "use cases in finance"
    retail = bot.ask("what about retail?")
    assert top(retail).endswith("Retail") and retail.reply is not None
    assert retail.reply.question == "use cases in retail"  # chained: the follow-up's reading is the context


def test_a_new_aspect_keeps_the_previous_subject(bot: FakePlatform) -> None:
    bot.ask("use cases in healthcare")
    risks = bot.ask("what about the risks?")
    assert risks.reply is not None and risks.reply.question == "the risks in healthcare"


def test_tell_me_more_goes_on_after_the_section_an_answer_went_on_into(tmp_path: Path, clock: Clock) -> None:
    """An answer that ended on a colon went on into the next section; "tell me more" goes on
    from there, not back to the section already shown, and says so at the document's end."""
    (tmp_path / "files.md").write_text(
        "Our web kit also includes a FileServer class for serving files in a given directory:\n\n"
        "## FileServer\n\nSignature: `FileServer(directory=None)`, the folder files are served from.\n\n"
        "## Caching\n\nServed files carry an ETag so browsers can cache them.\n", encoding="utf-8")
    bot = FakePlatform(Conversation(Assistant.load(tmp_path), memory=ContextMemory(minutes=15, clock=clock)))
    answer = bot.ask("does the web kit include a class for serving files")
    assert answer.reply is not None and "FileServer(directory=None)" in answer.reply.body
    assert top(bot.ask("tell me more")).endswith("Caching")
    last = bot.ask("go on")  # the end of the document
    assert last.reply is not None and last.reply.title == "Nothing more" and not last.reply.sources


def test_tell_me_more_answers_with_the_next_part_of_the_previous_answer(bot: FakePlatform) -> None:
    bot.ask("use cases in healthcare")
    more = bot.ask("tell me more")  # a whole, short section goes on with what it is part of
    assert top(more) == "Cloud AI Use Cases by Industry"
    assert top(bot.ask("more please")) == "Cloud AI Use Cases by Industry › Healthcare"
    overview = bot.ask("best practices")
    assert top(overview) == "Best Practices for Integrating AI with Cloud Computing"
    first = bot.ask("go on")  # an overview's next part is its first section
    assert top(first) == "Best Practices for Integrating AI with Cloud Computing › 1. Choose the Right Cloud " \
                         "Provider and Services"


def test_tell_me_more_titles_a_shared_heading_by_what_it_is_under(tmp_path: Path, clock: Clock) -> None:
    """"more" after the warm-pools answer was titled "How it works", a heading every other
    page has too: it is titled as any reply is, "Warm pools › How it works"."""
    for name, topic in (("pools.md", "Warm pools"), ("spot.md", "Spot training")):
        (tmp_path / name).write_text(f"# {topic}\n\n{topic} keep training cheap and fast for repeated jobs.\n\n"
                                     f"## How it works\n\n{topic} are set per training job in its resource "
                                     "configuration.\n", encoding="utf-8")
    bot = FakePlatform(Conversation(Assistant.load(tmp_path), memory=ContextMemory(minutes=15, clock=clock)))
    bot.ask("warm pools")
    more = bot.ask("tell me more")
    assert more.reply is not None and more.reply.title == "Warm pools › How it works", more.reply


def test_a_standalone_question_ignores_stale_context(bot: FakePlatform) -> None:
    bot.ask("use cases in healthcare")
    aiaas = bot.ask("what is AIaaS?")
    assert aiaas.reply is not None and aiaas.reply.question == "what is AIaaS?"
    assert "AIaaS" in top(aiaas)


def test_context_is_per_conversation(bot: FakePlatform) -> None:
    bot.ask("use cases in healthcare", thread="t1")
    other = bot.ask("tell me more", thread="t2")
    assert other.reply is not None and other.reply.no_match  # nothing to continue in that thread
    elsewhere = bot.ask("tell me more", thread="t1", channel="C2")  # same thread id, another channel
    assert elsewhere.reply is not None and elsewhere.reply.no_match


def test_context_expires_after_the_window(bot: FakePlatform, clock: Clock) -> None:
    bot.ask("use cases in healthcare")
    clock.advance(14)
    assert top(bot.ask("tell me more")) == "Cloud AI Use Cases by Industry"
    clock.advance(15.5)  # 15.5 minutes after the last answer
    late = bot.ask("tell me more")
    assert late.reply is not None and late.reply.no_match


def test_a_window_of_zero_turns_follow_ups_off(bundled: Assistant) -> None:
    bot = FakePlatform(Conversation(bundled, memory=ContextMemory(minutes=0)))
    bot.ask("use cases in healthcare")
    again = bot.ask("tell me more")
    assert again.reply is not None and again.reply.no_match


def test_no_match_and_help_do_not_replace_the_context(bot: FakePlatform) -> None:
    bot.ask("use cases in healthcare")
    assert bot.ask("qwxz plorf").reply.no_match  # type: ignore[union-attr]
    assert bot.ask("help").kind == "help"
    assert top(bot.ask("tell me more")) == "Cloud AI Use Cases by Industry"


# -- the shared flow: help, limits, admin, log line, metrics, feedback ---------------------

def test_help_through_the_command_is_answered_counted_and_never_refused(bundled: Assistant,
                                                                        caplog: pytest.LogCaptureFixture) -> None:
    metrics = Metrics()
    bot = FakePlatform(Conversation(LiveAssistant(bundled, metrics=metrics),
                                    limiter=QuestionLimiter(per_user="1/minute", per_channel=None)))
    caplog.set_level(logging.INFO, logger="cloudai.answers")
    assert bot.ask("best practices", kind="command").kind == "answer"
    for text in ("", "help"):
        help_ = bot.ask(text, kind="command")
        assert help_.kind == "help" and help_.reply is not None and help_.reply.title == "How to use cloudai"
    refused = bot.ask("key trends", kind="command")
    assert refused.kind == "refusal" and refused.reply is None and "try again in" in refused.notice
    assert metrics.questions.labels("test")._value.get() == 3  # the answer and both helps
    answered = [r.getMessage() for r in caplog.records if r.getMessage().startswith("answered ")]
    assert len(answered) == 3 and all("platform=test channel=C1" in line for line in answered)
    assert sum("intent=help" in line for line in answered) == 2


def test_the_limit_comes_before_the_text_is_read(bundled: Assistant, monkeypatch: pytest.MonkeyPatch) -> None:
    bot = FakePlatform(Conversation(bundled, limiter=QuestionLimiter(per_user="1/minute", per_channel=None)))
    bot.ask("best practices")
    read_texts: list[str] = []
    monkeypatch.setattr("bot.live.clean_question", lambda text: read_texts.append(text) or text)
    monkeypatch.setattr("bot.conversation.read", lambda *args: read_texts.append(args[0]))
    assert bot.ask("reload").kind == "refusal"  # not even checked for being the admin command
    assert read_texts == []


def test_reload_is_for_admins(bundled: Assistant) -> None:
    bot = FakePlatform(Conversation(LiveAssistant(bundled, Admins.parse("U1", ["chat"]))))
    refused = bot.ask("reload", user="U9")
    assert refused.kind == "admin" and refused.reply is not None and refused.reply.title == "Not allowed"
    done = bot.ask("<@UBOT> Reload!", user="U1")
    assert done.kind == "admin" and done.reply is not None and done.reply.title == "Knowledge reloaded"


def test_votes_go_to_the_sink(bundled: Assistant) -> None:
    sink = LogFeedback()
    conversation = Conversation(bundled, feedback=sink)
    conversation.record(Feedback("best practices", "Best Practices", -1, "test", "U1"))
    assert [(v.vote, v.question) for v in sink.recorded] == [(-1, "best practices")]


# -- context in the store --------------------------------------------------------------------

@pytest.fixture
def stores(db_url: str, clock: Clock) -> Iterator[tuple[Store, Store]]:
    both = (Store(db_url, clock=clock), Store(db_url, clock=clock))  # as two instances would have
    yield both
    for store in both:
        store.close()


def test_a_second_instance_sees_the_context_the_first_wrote(bundled: Assistant, stores: tuple[Store, Store],
                                                            clock: Clock) -> None:
    first, second = (FakePlatform(Conversation(bundled, memory=ContextMemory(store, 15, clock)))
                     for store in stores)
    first.ask("use cases in healthcare")
    clock.advance(1)
    finance = second.ask("and in finance?")
    assert finance.reply is not None and finance.reply.question == "use cases in finance"
    clock.advance(1)
    assert top(first.ask("tell me more")) == "Cloud AI Use Cases by Industry"  # read what the second wrote
    clock.advance(16)
    stale = second.ask("tell me more")
    assert stale.reply is not None and stale.reply.no_match


def test_a_repeated_delivery_is_handled_once_across_instances(bundled: Assistant, stores: tuple[Store, Store]) -> None:
    first, second = (Conversation(bundled, deliveries=Deliveries(store)) for store in stores)
    assert first.first_time("slack", "event:Ev1")
    assert not first.first_time("slack", "event:Ev1")  # a retry reaching the same instance
    assert not second.first_time("slack", "event:Ev1")  # ... or another one behind the balancer
    assert second.first_time("discord", "event:Ev1")  # another platform's ids are its own


def test_a_repeated_delivery_is_recognised_without_a_store(bundled: Assistant) -> None:
    talk = Conversation(bundled)
    assert talk.first_time("slack", "event:Ev1") and not talk.first_time("slack", "event:Ev1")


def test_the_store_keeps_only_the_question_its_intent_and_sections(bundled: Assistant, tmp_path: Path) -> None:
    import sqlite3

    store = Store(f"sqlite:///{tmp_path / 'state.db'}")
    bot = FakePlatform(Conversation(bundled, memory=ContextMemory(store)))
    bot.ask("use cases in healthcare", user="U-SECRET-ID")
    store.close()
    with sqlite3.connect(tmp_path / "state.db") as db:
        rows = db.execute("SELECT * FROM conversation_context").fetchall()
        columns = [c[1] for c in db.execute("PRAGMA table_info(conversation_context)")]
    assert columns == ["platform", "channel", "thread", "question", "intent", "sections", "at"]
    assert len(rows) == 1 and "U-SECRET-ID" not in repr(rows)
    assert rows[0][:5] == ("test", "C1", "t1", "use cases in healthcare", "use_cases")


def test_a_store_that_is_down_falls_back_to_memory(bundled: Assistant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    store = Store(f"sqlite:///{tmp_path / 'state.db'}")

    def down(*args: object) -> None:
        raise OperationalError("SELECT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(store, "load_context", down)
    monkeypatch.setattr(store, "save_context", down)
    bot = FakePlatform(Conversation(bundled, memory=ContextMemory(store)))
    with caplog.at_level(logging.WARNING, logger="cloudai.context"):
        bot.ask("use cases in healthcare")
        assert top(bot.ask("tell me more")) == "Cloud AI Use Cases by Industry"
    assert "keeping it in memory" in caplog.text
    store.close()


# -- cloudai chat --------------------------------------------------------------------------

def chat(stdin: str, home: Path, **env: str) -> str:
    """`cloudai chat` in a fresh interpreter, typed into on stdin; what it printed."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "CLOUDAI_"))}
    done = subprocess.run([sys.executable, "-m", "app.cli", "chat"], cwd=home, input=stdin, text=True,
                          capture_output=True, timeout=120, encoding="utf-8",
                          env={**clean, "PYTHONPATH": str(ROOT), "HOME": str(home), **env})
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    return done.stdout


@pytest.mark.slow  # two `cloudai` processes
def test_cloudai_chat_reads_follow_ups_in_the_session(tmp_path: Path) -> None:
    out = chat("use cases in healthcare\nand in retail?\ntell me more\nquit\n", tmp_path)
    titles = [line.strip() for line in out.splitlines()]
    wanted = ("Healthcare", "Retail", "Cloud AI Use Cases by Industry")
    assert list(wanted) == [t for t in titles if t in wanted]
    off = chat("use cases in healthcare\ntell me more\nquit\n", tmp_path, CLOUDAI_FOLLOWUP_MINUTES="0")
    assert "Cloud AI Use Cases by Industry" not in [t.strip() for t in off.splitlines()]
    assert "No confident answer" in off
