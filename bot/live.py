"""The assistant a running bot serves: one loaded knowledge base at a time, replaced whole.

A reload builds a complete new `Assistant` beside the one serving, then swaps one
reference. A question reads that reference once and is answered entirely from the old or
entirely from the new knowledge, never from a half-built index. A reload that fails (the
folder vanished, no usable file left, a broken intent catalog) keeps the old one serving;
a file broken by an edit keeps its last good version (see `loader.load_folder`).

Adapters talk to this object exactly as to an `Assistant` (`answer`, `reply`, `suggest`,
`topics`), plus the admin command `reload`.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from .admins import Admins
from .assistant import SUGGESTIONS, Assistant
from .loader import KnowledgeError
from .metrics import Metrics
from .models import Reply
from .retriever import clean_question
from .wording import counted

log = logging.getLogger("cloudai.reload")
RELOAD_WORDS = frozenset({"reload", "reload knowledge", "reload the knowledge", "reindex"})
MAX_LISTED = 5


@dataclass(frozen=True)
class ReloadResult:
    """What a reload did: whether the new knowledge is serving, its size, and what was skipped."""

    ok: bool
    documents: int
    sections: int
    seconds: float
    problems: tuple[str, ...] = ()  # "file: reason" for files skipped (or kept at their last good version)
    error: str = ""  # why the reload was refused (the old knowledge keeps serving)

    @property
    def size(self) -> str:
        return f"{counted(self.documents, 'document')}, {counted(self.sections, 'section')} in {self.seconds:.2f} s"

    @property
    def summary(self) -> str:
        if not self.ok:
            return f"reload failed, still serving the previous knowledge: {self.error}"
        text = self.size
        if self.problems:
            listed = "; ".join(self.problems[:MAX_LISTED])
            more = f" (+{len(self.problems) - MAX_LISTED} more)" if len(self.problems) > MAX_LISTED else ""
            text += f"; skipped: {listed}{more}"
        return text


@dataclass
class LiveAssistant:
    """The serving `Assistant`, its reload, and who may ask for one."""

    current: Assistant
    admins: Admins = field(default_factory=Admins)
    metrics: Metrics | None = None
    # Keep the loaded knowledge out of the garbage collector (a long-running bot): it is some
    # 100,000 long-lived objects, and every full collection walks them all, a pause of tens of
    # milliseconds with the GIL held that every acknowledgement in flight waits out. Frozen
    # (gc.freeze) once loaded and after each reload, unfrozen first so the replaced knowledge
    # can be collected.
    frozen: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if self.frozen:
            gc.freeze()
        if self.metrics is not None:
            self.metrics.serving(len(self.current.kb.documents), len(self.current.kb.sections))

    @classmethod
    def of(cls, assistant: "Assistant | LiveAssistant") -> "LiveAssistant":
        return assistant if isinstance(assistant, LiveAssistant) else cls(assistant)

    @property
    def folder(self) -> Path:
        return self.current.kb.root

    # -- answering: each call reads `current` once ------------------------------------------

    def reply(self, text: str) -> Reply:
        return self.current.reply(text)

    def suggest(self, text: str, limit: int = SUGGESTIONS) -> list[str]:
        return self.current.suggest(text, limit)

    def topics(self, limit: int = 25) -> list[str]:
        return self.current.topics(limit)

    # -- reloading ------------------------------------------------------------------------

    def reload(self, changed: Iterable[str] = ()) -> ReloadResult:
        """Build the new knowledge (call it off the event loop: it takes as long as a load,
        less the files that did not change) and swap it in; one reload at a time."""
        with self._lock:
            started = time.perf_counter()
            old = self.current
            try:
                new = Assistant.load(old.kb.root, old.catalog_path, previous=old)
            except (KnowledgeError, ValueError, OSError) as exc:
                result = ReloadResult(False, len(old.kb.documents), len(old.kb.sections),
                                      time.perf_counter() - started, error=str(exc))
                log.error("knowledge %s", result.summary)
                if self.metrics is not None:
                    self.metrics.reloads.labels("failed").inc()
                return result
            self.current = new  # the swap: one reference, read once per question
            if self.frozen:
                gc.unfreeze()
                gc.collect()
                gc.freeze()
            problems = tuple(f"{p.path}: {p.reason}" for p in new.kb.problems if p.skipped)
            result = ReloadResult(True, len(new.kb.documents), len(new.kb.sections),
                                  time.perf_counter() - started, problems)
            for problem in problems:
                log.warning("reload skipped %s", problem)
            changes = sorted(set(changed))
            log.info("knowledge reloaded: %s%s", result.size,
                     f" (changed: {', '.join(changes[:MAX_LISTED])}{' …' if len(changes) > MAX_LISTED else ''})"
                     if changes else "")
            if self.metrics is not None:
                self.metrics.reloads.labels("ok").inc()
                self.metrics.serving(result.documents, result.sections)
            return result

    # -- the admin command ------------------------------------------------------------------

    @staticmethod
    def is_command(text: str) -> bool:
        """Is this the admin command `reload` (said exactly, whatever the case or mention)?"""
        return clean_question(text).strip(" .!?").lower() in RELOAD_WORDS

    def command(self, text: str, platform: str, user: str | None) -> Reply:
        """Run `reload` for an admin; tell anyone else who may. Every attempt is logged."""
        question = clean_question(text)
        if not self.admins.allows(platform, user):
            log.warning("reload refused: platform=%s user=%s is not in CLOUDAI_ADMINS", platform, user or "-")
            why = ("No admins are configured." if not self.admins
                   else "Only the user ids listed in CLOUDAI_ADMINS may do this.")
            return Reply(title="Not allowed", body=f"Reloading the knowledge is an admin command. {why}",
                         intent="admin", question=question)
        log.info("reload requested: platform=%s user=%s", platform, user)
        result = self.reload()
        title = "Knowledge reloaded" if result.ok else "Reload failed"
        return Reply(title=title, body=result.summary[:1].upper() + result.summary[1:] + ".", intent="admin",
                     question=question)
