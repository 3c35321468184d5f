"""One message in, one outcome out: the flow every platform shares.

Slack, Discord and `cloudai chat` used to run the same steps each in their own way (admin
command? → rate limit → answer → log); they now describe what arrived as an `Incoming` and
show the `Outcome`. The order is fixed here, once:

1. help asked through the command (`/cloudai`, `/cloudai help`): answered at once, never
   refused (it costs nothing and tells the person how to ask);
2. the rate limit, before the text is read at all (a flood of huge messages costs nothing);
3. the admin command (`reload`);
4. the answer, read in the light of the conversation's previous question when it leans on
   it (bot/followup.py), logged in one line and counted in /metrics.

Platform-specific delivery (threads, ephemeral messages, acks) stays in the adapters. A
repeated delivery of one event (Slack's retries) is recognised here too: an adapter asks
`first_time(platform, event id)` before it acknowledges (bot/deliveries.py).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from .context import Context, ContextKey, ContextMemory, SectionRef
from .deliveries import Deliveries
from .feedback import Feedback, FeedbackSink, LogFeedback
from .followup import following_section, next_part, read
from .live import LiveAssistant
from .models import Reply

if TYPE_CHECKING:
    from .assistant import Assistant
    from .metrics import Metrics
    from .ratelimit import QuestionLimiter
    from .store import Store

log = logging.getLogger("cloudai.answers")  # the per-question line operators read (and always have)
HELP_WORDS = frozenset({"", "help", "?", "usage"})
NOT_CONTEXT = frozenset({"help", "greeting", "topics", "admin"})  # replies the next question cannot lean on

Kind = Literal["command", "mention", "dm", "button", "chat"]


@dataclass(frozen=True, slots=True)
class Incoming:
    """A message as every platform describes it. `thread` is the conversation: a Slack thread
    (or the DM's channel), a Discord channel or thread, a `cloudai chat` session."""

    platform: str
    user: str | None
    channel: str | None
    thread: str | None
    text: str
    kind: Kind = "mention"

    @property
    def key(self) -> ContextKey | None:
        if not self.channel and not self.thread:
            return None
        return ContextKey(self.platform, self.channel or "-", self.thread or self.channel or "-")


@dataclass(frozen=True, slots=True)
class Outcome:
    """What to show: an answer or help (a `Reply`), a refusal or an admin result."""

    kind: Literal["answer", "help", "refusal", "admin"]
    reply: Reply | None = None
    notice: str = ""  # a refusal's words (no user text in it)


class Conversation:
    """The shared flow; thread-safe (the limiter, the context memory and the store are)."""

    def __init__(self, assistant: "Assistant | LiveAssistant", limiter: "QuestionLimiter | None" = None,
                 feedback: FeedbackSink | None = None, memory: ContextMemory | None = None,
                 metrics: "Metrics | None" = None, deliveries: Deliveries | None = None) -> None:
        self.live = LiveAssistant.of(assistant)
        self.limiter = limiter
        self.feedback = feedback if feedback is not None else LogFeedback()
        self.memory = memory if memory is not None else ContextMemory()
        self.metrics = metrics
        self.deliveries = deliveries if deliveries is not None else Deliveries()

    @classmethod
    def kept_in(cls, store: "Store | None", assistant: "Assistant | LiveAssistant",
                limiter: "QuestionLimiter | None" = None, followup_minutes: float = 15,
                feedback: FeedbackSink | None = None) -> "Conversation":
        """The flow with its state in `store`: votes (unless `feedback` takes them), follow-up
        context and repeated deliveries, shared by every instance on it; in memory without one."""
        return cls(assistant, limiter, feedback or store or LogFeedback(), ContextMemory(store, followup_minutes),
                   deliveries=Deliveries(store))

    def first_time(self, platform: str, event: str) -> bool:
        """Is this the first delivery of `event` (an id the platform gives each event) from
        `platform`? Asked before acknowledging; later deliveries are to be ignored."""
        return self.deliveries.first_time(f"{platform}:{event}")

    def handle(self, incoming: Incoming) -> Outcome:
        return self.screen(incoming) or self.respond(incoming)

    def screen(self, incoming: Incoming) -> Outcome | None:
        """Steps 1 and 2, which an adapter may need before it acknowledges (Slack's 3 s ack):
        help for the command, or a refusal; None when the message is to be answered (and it
        has been counted against the limits)."""
        if incoming.kind == "command" and incoming.text.strip().lower() in HELP_WORDS:
            return Outcome("help", self._answer(incoming, "help", remember=False))
        if self.limiter is not None:  # before reading the text at all
            refusal = self.limiter.check(incoming.platform, incoming.user or "", incoming.channel)
            if refusal is not None:
                return Outcome("refusal", notice=refusal.message)
        return None

    def respond(self, incoming: Incoming) -> Outcome:
        """Steps 3 and 4, for a message `screen` let through."""
        if self.live.is_command(incoming.text):
            return Outcome("admin", self.live.command(incoming.text, incoming.platform, incoming.user))
        reply = self._answer(incoming, incoming.text)
        return Outcome("help" if reply.intent == "help" else "answer", reply)

    def record(self, feedback: Feedback) -> None:
        """A 👍 / 👎 on an answer, from any platform."""
        self.feedback.record(feedback)

    # -- answering -----------------------------------------------------------------------

    def _answer(self, incoming: Incoming, text: str, remember: bool = True) -> Reply:
        """The reply, read with the conversation's context; one log line and the metrics."""
        started = time.perf_counter()
        assistant = self.live.current  # read once: a reload mid-question changes nothing
        key = incoming.key if remember else None
        # a button names a topic: never a follow-up of the question before it
        previous = self.memory.recall(key) if key is not None and incoming.kind != "button" else None
        reading = read(text, previous, assistant.retriever.analyse)
        if reading.kind == "more" and previous is not None:
            reply = self._more(assistant, previous, text)
        elif incoming.kind == "button":
            reply = assistant.reply_to_topic(text)
        else:
            reply = assistant.reply(reading.text)
        seconds = time.perf_counter() - started
        self._log(incoming, reply, seconds, reading.kind)
        if key is not None and not reply.no_match and reply.sources and reply.intent not in NOT_CONTEXT:
            question = previous.question if reading.kind == "more" and previous is not None else reply.question
            intent = previous.intent if reading.kind == "more" and previous is not None else reply.intent
            self.memory.remember(key, Context(question, intent, tuple(
                SectionRef(s.path, s.heading_path, s.anchor) for s in reply.sources), self.memory.clock()))
        return reply

    @staticmethod
    def _more(assistant: "Assistant", previous: Context, typed: str) -> Reply:
        """The next part of the previous answer's top section; when there is none, or the
        answer already showed it (an answer ending on a colon goes on into the section it
        introduces), the section after the last one it showed of that document."""
        from .assistant import section_body, source_of

        top = previous.sections[0] if previous.sections else None
        nxt = next_part(assistant.kb, top.path, top.heading_path, top.anchor) if top is not None else None
        if top is not None and (nxt is None or any(
                (s.path, s.heading_path) == (nxt.doc.path, nxt.heading_path) for s in previous.sections)):
            last = [s for s in previous.sections if s.path == top.path][-1]
            nxt = following_section(assistant.kb, last.path, last.heading_path, last.anchor)
        if nxt is None:
            what = top.heading_path if top is not None else previous.question
            return Reply(title="Nothing more", intent=previous.intent, question=typed,
                         body=f"That is all the knowledge base says about {what}. Ask another question, "
                              "or `topics` to see what else it covers.")
        related = tuple(assistant.kb.sections[c].heading for c in nxt.children[:5])
        return Reply(title=assistant.topic_label(nxt), body=section_body(assistant.kb.sections, nxt), sources=(source_of(nxt),),
                     related=related, intent=previous.intent, question=previous.question)

    def _log(self, incoming: Incoming, reply: Reply, seconds: float, reading: str) -> None:
        """The one line per question operators read: platform, channel, intent, top section,
        score, latency and how it was read (never who asked, never a token); and /metrics."""
        fields = {"platform": incoming.platform, "channel": incoming.channel or "-", "intent": reply.intent or "-",
                  "top": reply.sources[0].label if reply.sources else "-", "score": round(reply.top_score, 2),
                  "no_match": reply.no_match, "latency_ms": round(seconds * 1000, 1), "read": reading}
        log.info("answered platform=%(platform)s channel=%(channel)s intent=%(intent)s top=%(top)r score=%(score).2f "
                 "no_match=%(no_match)s latency_ms=%(latency_ms).1f read=%(read)s", fields, extra=fields)
        metrics = self.metrics if self.metrics is not None else self.live.metrics
        if metrics is not None:
            metrics.answered(incoming.platform, reply.no_match, seconds)
