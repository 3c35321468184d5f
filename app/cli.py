"""The `cloudai` command: ask, chat, search, eval and check, with no chat platform needed,
and the platform commands, which it wires to the adapters (adapters/runner.py, the registry
in adapters/platforms.py). It lives outside bot/ because it may import both: bot/ imports
nothing from adapters/ or from here (tests/test_import_graph.py).

Errors a user can cause (a missing folder, a bad file) print one line and exit non-zero;
no traceback reaches the terminal.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from bot.wording import counted

if TYPE_CHECKING:
    import datetime as dt
    from typing import Callable

    from bot.assistant import Assistant
    from bot.settings import Settings
    from bot.store import Store


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except _UserError as exc:
        print(f"cloudai: error: {exc}", file=sys.stderr)
        return 2


class _UserError(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="cloudai", description="Ask a folder of Markdown documents questions.")
    p.add_argument("--knowledge", "-k", type=Path, metavar="DIR", dest="global_knowledge",
                   help="knowledge folder, for any command (also accepted after the command)")
    p.add_argument("--log-format", choices=["text", "json"], dest="global_log_format",
                   help="service logs as text lines or one JSON object a line (default: $CLOUDAI_LOG_FORMAT, text)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def knowledge_arg(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--knowledge", "-k", type=Path, metavar="DIR",
                        help="knowledge folder (default: $CLOUDAI_KNOWLEDGE_DIR, else the bundled knowledge)")

    def bot_command(name: str, summary: str, run: object, http: str) -> None:
        """A long-running bot command: knowledge, log format and, for a platform with one, HTTP mode
        (`http`: what --http does)."""
        sp = sub.add_parser(name, help=summary)
        if http:
            sp.add_argument("--http", action="store_true", help=http)
            sp.add_argument("--port", type=int, help="the HTTP port (default: $PORT, else 3000)")
        knowledge_arg(sp)
        sp.add_argument("--log-format", choices=["text", "json"],
                        help="logs as text lines or one JSON object a line (default: $CLOUDAI_LOG_FORMAT, text)")
        sp.set_defaults(run=run)

    ask = sub.add_parser("ask", help="answer one question")
    ask.add_argument("question", nargs="+")
    knowledge_arg(ask)
    ask.set_defaults(run=_ask)

    chat = sub.add_parser("chat", help="talk to the assistant in the terminal")
    knowledge_arg(chat)
    chat.set_defaults(run=_chat)

    search = sub.add_parser("search", help="ranked sections as JSON (queries from stdin when none given)")
    search.add_argument("query", nargs="*")
    search.add_argument("--top", type=int, default=5)
    search.add_argument("--json", action="store_true", help="one JSON object a line (the only format)")
    knowledge_arg(search)
    search.set_defaults(run=_search)

    ev = sub.add_parser("eval", help="score retrieval on a question set (JSON summary last)")
    ev.add_argument("questions", type=Path)
    knowledge_arg(ev)
    ev.set_defaults(run=_eval)

    from adapters.platforms import REGISTRY  # the registry lines only: no platform module is imported

    for name, entry in REGISTRY.items():  # `cloudai NAME` for each registered platform
        bot_command(name, entry.summary or f"run the {name} bot", _platform_command(name), http=entry.http)
    bot_command("run", f"run every configured platform ({' and/or '.join(REGISTRY)}) in one process", _run,
                http="; ".join(entry.http for entry in REGISTRY.values() if entry.http))

    digest = sub.add_parser("digest", help="the daily digest: preview it, or post today's now")
    digest.add_argument("action", choices=["preview", "post"])
    digest.add_argument("--date", type=_date, metavar="YYYY-MM-DD", help="preview: the day (default: today)")
    digest.add_argument("--repost-unconfirmed", action="store_true",
                        help="post: also where an earlier post was never confirmed (look in the channel first)")
    knowledge_arg(digest)
    digest.set_defaults(run=_with_store(_digest))

    feedback = sub.add_parser("feedback", help="the worst-rated answers (👎 from every platform)")
    feedback.add_argument("--limit", type=int, default=10)
    feedback.set_defaults(run=_with_store(_feedback))

    config = sub.add_parser("config", help="the effective settings, secrets masked")
    config.set_defaults(run=_config)

    check = sub.add_parser("check", help="validate the intent catalog, load a folder and list files skipped "
                                         "or repaired")
    knowledge_arg(check)
    check.set_defaults(run=_check)
    return p


def _date(text: str) -> "dt.date":
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-24") from None


def _core_settings() -> "Settings":
    """The settings, CLOUDAI_ADMINS checked against the registered platform names."""
    from adapters.platforms import names  # the registered platforms (their modules load only when served)
    from bot.settings import load_settings

    try:
        settings = load_settings()
        settings.admin_ids(names())  # `name:id`: name must be a registered platform
        return settings
    except ValueError as exc:
        raise _UserError(f"invalid settings: {exc}") from None


def _store(settings: "Settings") -> "Store":
    from sqlalchemy.exc import SQLAlchemyError

    from bot.store import explain

    try:
        return settings.open_store()
    except (SQLAlchemyError, OSError) as exc:
        raise _StoreFailure(explain(exc, settings.store_url)) from None


class _StoreFailure(Exception):
    """The state store failed: one line, exit 2 when a person must fix it (a corrupted or
    read-only SQLite file), else 1 (a database server down: try again later)."""

    def __init__(self, problem: Exception) -> None:
        super().__init__(str(problem))
        self.code = 2 if getattr(problem, "lasting", False) else 1


def _with_store(command: "Callable[[argparse.Namespace], int]") -> "Callable[[argparse.Namespace], int]":
    """Run a store command, turning any state-store error into one line and an exit status
    (SQLAlchemy is imported when such a command runs, not when the parser is built)."""

    def run(args: argparse.Namespace) -> int:
        from sqlalchemy.exc import SQLAlchemyError

        try:
            try:
                return command(args)
            except SQLAlchemyError as exc:
                from bot.store import explain

                raise _StoreFailure(explain(exc, _core_settings().store_url)) from None
        except _StoreFailure as exc:
            print(f"cloudai: error: {exc}", file=sys.stderr)
            return exc.code

    return run


def _folder(args: argparse.Namespace, settings: "Settings | None") -> Path:
    """The knowledge folder: --knowledge (after or before the command), the setting, the bundle
    (settings None: nothing is configured)."""
    from bot.knowledge import BUNDLED_KNOWLEDGE

    return (getattr(args, "knowledge", None) or getattr(args, "global_knowledge", None)
            or (settings and settings.knowledge_dir) or BUNDLED_KNOWLEDGE)


def _assistant(args: argparse.Namespace, settings: "Settings | None" = None) -> "Assistant":
    """The knowledge the command names, loaded with `settings`. Not given, they are read now,
    unless nothing configures cloudai: then every setting is its default, and `cloudai ask`
    starts without importing pydantic-settings (bot/configured.py)."""
    from bot.assistant import Assistant
    from bot.configured import anything_configured
    from bot.loader import KnowledgeError

    if settings is None and anything_configured():
        settings = _core_settings()
    try:
        assistant = Assistant.load(_folder(args, settings), settings.intents_file if settings else None)
    except KnowledgeError as exc:
        raise _UserError(str(exc)) from None
    except ValueError as exc:  # an unreadable intent catalog
        raise _UserError(str(exc)) from None
    for problem in assistant.kb.problems:
        if problem.skipped:
            print(f"cloudai: skipped {problem.path}: {problem.reason}", file=sys.stderr)
    return assistant


def _ask(args: argparse.Namespace) -> int:
    from bot.terminal import render

    assistant = _assistant(args)
    sys.stdout.write(render(assistant.reply(" ".join(args.question))))
    return 0


def _chat(args: argparse.Namespace) -> int:
    """A terminal session is one conversation: a question may lean on the one before it
    ("and in finance?", "tell me more") for CLOUDAI_FOLLOWUP_MINUTES, kept in memory."""
    import uuid

    from bot.context import ContextMemory
    from bot.conversation import Conversation, Incoming
    from bot.terminal import render

    settings = _core_settings()
    assistant = _assistant(args, settings)
    talk = Conversation(assistant, memory=ContextMemory(minutes=settings.followup_minutes))
    session = uuid.uuid4().hex[:12]
    interactive = sys.stdin.isatty()
    if interactive:
        print(f"cloudai: {counted(len(assistant.kb.documents), 'document')} loaded. "
              "Ask a question; 'quit' or Ctrl-D to leave.")
    while True:
        try:
            line = input("you> " if interactive else "")
        except EOFError:
            break
        if line.strip().lower() in ("quit", "exit", ":q"):
            break
        if not line.strip():
            continue
        outcome = talk.handle(Incoming("chat", None, "terminal", session, line, "chat"))
        print(render(outcome.reply) if outcome.reply is not None else outcome.notice)
    return 0


def search_line(assistant: "Assistant", query: str, top: int = 5) -> str:
    """One `cloudai search --json` line: the query, its intent and its hits."""
    result = assistant.retriever.search(query, top=top)
    return json.dumps({
        "query": query,
        "intent": result.query.intent.id,
        "hits": [
            {"doc": h.section.doc.path, "title": h.section.doc.title, "heading": h.section.heading_path,
             "text": h.section.full_text, "score": round(h.score, 4)}
            for h in result.hits
        ],
    }, ensure_ascii=False)


def _search(args: argparse.Namespace) -> int:
    assistant = _assistant(args)
    top = max(1, min(args.top, 50))
    if args.query:
        print(search_line(assistant, " ".join(args.query), top))
        return 0
    for line in sys.stdin:
        print(search_line(assistant, line.rstrip("\n"), top), flush=True)
    return 0


def _eval(args: argparse.Namespace) -> int:
    from bot.evaluation import evaluate, load_questions

    try:
        questions = load_questions(args.questions)
    except OSError as exc:
        raise _UserError(f"cannot read {args.questions}: {exc.strerror}") from None
    except ValueError as exc:
        raise _UserError(str(exc)) from None
    assistant = _assistant(args)
    summary = evaluate(questions, lambda q: assistant.retriever.search(q, top=5).hits)
    for miss in summary.pop("misses"):
        where = f"rank {miss['rank']}" if miss["rank"] else "not in top 5"
        print(f"miss ({miss['kind']}, {where}): {miss['q']!r} -> {miss['got']}")
    print(json.dumps(summary))
    return 0


def _service_logging(args: argparse.Namespace) -> None:
    """Logs for the long-running commands: text lines, or one JSON object a line for log
    collectors (each answered question's fields as keys)."""
    import logging

    from bot.settings import load_settings

    chosen = getattr(args, "log_format", None) or getattr(args, "global_log_format", None)
    if chosen is None:
        try:
            chosen = load_settings().log_format
        except ValueError:
            chosen = "text"  # the command reports the invalid setting itself, in one line
    handler = logging.StreamHandler()
    if chosen == "json":
        from pythonjsonlogger.json import JsonFormatter

        handler.setFormatter(JsonFormatter("{asctime}{levelname}{name}{message}", style="{",
                                           rename_fields={"asctime": "time", "levelname": "level",
                                                          "name": "logger"}))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)


def _platform_command(name: str) -> "Callable[[argparse.Namespace], int]":
    """`cloudai NAME`: one registered platform (its libraries load only for this command)."""

    def run(args: argparse.Namespace) -> int:
        from adapters.runner import run_platform

        _service_logging(args)
        return run_platform(name, lambda settings: _assistant(args, settings), http=getattr(args, "http", False) or None,
                            port=getattr(args, "port", None))

    return run


def _run(args: argparse.Namespace) -> int:
    from adapters.runner import run_all

    _service_logging(args)
    return run_all(lambda settings: _assistant(args, settings), http=args.http or None, port=args.port)


def _digest(args: argparse.Namespace) -> int:
    import asyncio

    from bot.delivery import DigestService

    settings = _core_settings()
    store = _store(settings)
    try:
        assistant = _assistant(args, settings)
        if args.action == "preview":
            service = DigestService(lambda: assistant, store, settings, [])
            sys.stdout.write(service.preview(args.date or service.today()).to_markdown())
            return 0
        if args.date is not None:
            raise _UserError("digest post posts today's digest only (no backfill); --date is for preview")
        from adapters.runner import configured_targets

        try:
            targets = configured_targets(settings)
        except ValueError as exc:
            raise _UserError(f"invalid settings: {exc}") from None
        if not targets:
            from adapters.runner import digest_settings

            raise _UserError(f"no digest channel is configured: set {digest_settings()}")
        from bot.delivery import PROBLEMS

        service = DigestService(lambda: assistant, store, settings, targets)
        day = service.today()
        outcomes = asyncio.run(service.post(day, repost_unconfirmed=args.repost_unconfirmed))
        for o in outcomes:
            print(f"{o.target}: {o.status}" + (f" ({o.detail})" if o.detail else "") + f" — digest for {day}")
        if all(o.status == "already posted" for o in outcomes):
            print(f"nothing to post: today's digest ({day}) is already out everywhere")
        return 1 if any(o.status in PROBLEMS for o in outcomes) else 0
    finally:
        store.close()


def _feedback(args: argparse.Namespace) -> int:
    store = _store(_core_settings())
    try:
        worst = store.worst_rated(limit=max(1, args.limit))
    finally:
        store.close()
    if not worst:
        print("no 👎 votes yet")
        return 0
    for r in worst:
        print(f"{r.score:+d}  (👍 {r.up} / 👎 {r.down})  {r.question!r} -> {r.source}")
    return 0


def _config(args: argparse.Namespace) -> int:
    """Every setting as NAME=value, from the environment, .env and defaults; secrets masked: the
    core settings, then each registered platform's section."""
    from adapters.platforms import sections
    from bot.settings import shown

    settings = _core_settings()
    lines = shown(settings)
    try:
        for _, section in sections(settings):
            lines += shown(section)
    except ValueError as exc:
        raise _UserError(f"invalid settings: {exc}") from None
    print("\n".join(lines))
    return 0


def _check(args: argparse.Namespace) -> int:
    from bot.assistant import DEFAULT_CATALOG
    from bot.intents import IntentCatalog
    from bot.knowledge import KnowledgeBase
    from bot.loader import KnowledgeError

    settings = _core_settings()
    catalog_path = settings.intents_file or DEFAULT_CATALOG
    try:  # the catalog first: a broken one stops every other command at start-up
        catalog = IntentCatalog.load(catalog_path)
    except ValueError as exc:
        raise _UserError(str(exc)) from None
    try:
        kb = KnowledgeBase.load(_folder(args, settings))
    except KnowledgeError as exc:
        raise _UserError(str(exc)) from None
    print(f"intent catalog {catalog_path}: {len(catalog.intents)} intents")
    for p in kb.problems:
        print(f"{'skipped' if p.skipped else 'repaired'}: {p.path}: {p.reason}")
    skipped = sum(p.skipped for p in kb.problems)
    repaired = len(kb.problems) - skipped
    print(f"{counted(len(kb.documents), 'document')} loaded, {counted(len(kb.sections), 'section')}, "
          f"{skipped} skipped, {repaired} repaired ({kb.load_seconds:.2f} s)")
    return 1 if skipped else 0


if __name__ == "__main__":
    raise SystemExit(main())
