"""How Slack HTTP mode holds up under a burst of `/cloudai` slash commands.

Slack waits 3 seconds for the HTTP acknowledgement of a slash command; past that it shows
the user an error (and, for events, retries the delivery, which a slow bot then answers
twice). So under a burst what matters is (a) how fast every request is acknowledged, and
(b) whether every command then gets exactly one answer on its `response_url`.

The benchmark starts the fake Slack Web API from `tests/slack_fake.py`, then the real bot
(`cloudai slack --http`) as a subprocess with the rate limits switched off, and sends N
signed slash commands (distinct users, a dozen varied questions, one `response_url` per
command) with at most C in flight. It measures each command's ack latency (send → HTTP
response) and answer latency (send → the answer's POST arriving at the fake), and counts
commands answered once, more than once, or never.

The reference, measured in the same run against the same fake, is a minimal Bolt app in its
own subprocess that only acks `/cloudai` and `respond("ok")`s, served by the same WSGI server
the bot uses (waitress with cloudai's limits, adapters/http.py): what the same burst costs with no work behind it. Each side gets
one warm-up command first (not counted). Nothing is asserted: timings depend on the machine.

Run from the project root:  python benchmarks/bench_burst.py [--commands 200] [--concurrency 20]
"""

from __future__ import annotations

import argparse
import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.slack_fake import (  # noqa: E402 - importable once the project root is on the path
    FORM,
    SIGNING_SECRET,
    FakeSlack,
    signed_post,
    start_fake_slack,
)

ACK_LIMIT_S = 3.0  # Slack's deadline for acknowledging a slash command
START_TIMEOUT_S = 60.0
ANSWER_TIMEOUT_S = 60.0
SETTLE_S = 1.0  # after the last answer, how long to keep listening for duplicates
QUESTIONS = [
    "best practices", "what is AIaaS?", "use cases in healthcare", "edge computing trends",
    "how big is the cloud AI market?", "helthcare", "how do I secure machine learning models in the cloud?",
    "responsible AI", "serverless inference cost", "AI in retail and finance", "best practises for MLOps",
    "purple elephant quantum banana",
]


# -- the fake Slack, with arrival times -------------------------------------------------

class StampedPosts(list):  # type: ignore[type-arg]
    """A drop-in for `FakeSlack.posted` that also notes when each path was posted to."""

    def __init__(self) -> None:
        super().__init__()
        self.arrivals: dict[str, list[float]] = defaultdict(list)

    def append(self, item: Any) -> None:
        self.arrivals[item.path].append(time.perf_counter())
        super().append(item)


def stamped_fake() -> tuple[FakeSlack, StampedPosts]:
    fake = start_fake_slack()
    posts = StampedPosts()
    with fake.lock:
        fake.posted = posts
    return fake, posts


# -- processes --------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without any platform setting (as the tests do), plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "SLACK_", "CLOUDAI_", "PORT"))}
    return {**env, "PYTHONPATH": str(ROOT), **extra}


def start_bot(fake: FakeSlack, port: int, data_dir: str, stderr: IO[str]) -> subprocess.Popen[str]:
    env = clean_env(SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=f"{fake.url}/api/",
                    CLOUDAI_HOST="127.0.0.1", CLOUDAI_DATA_DIR=data_dir,
                    CLOUDAI_RATE_LIMIT_USER="", CLOUDAI_RATE_LIMIT_CHANNEL="")
    return subprocess.Popen([sys.executable, "-m", "app.cli", "slack", "--http", "--port", str(port)], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=stderr, text=True)


def start_reference(fake: FakeSlack, port: int, stderr: IO[str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--reference-server", str(port),
                             "--api-url", f"{fake.url}/api/"], cwd=ROOT, env=clean_env(),
                            stdout=subprocess.DEVNULL, stderr=stderr, text=True)


def wait_healthy(proc: subprocess.Popen[str], port: int, timeout: float = START_TIMEOUT_S) -> bool:
    """True once GET /healthz answers 200; False if the process exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


def stop(proc: subprocess.Popen[str]) -> int | None:
    """SIGTERM, then wait (kill after 30 s); the exit status."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


# -- the reference server (this script, re-invoked) --------------------------------------

def serve_reference(port: int, api_url: str) -> int:
    """A Bolt app that acks `/cloudai` and responds "ok", on the bot's WSGI server."""
    from slack_bolt import App
    from slack_bolt.adapter.wsgi import SlackRequestHandler
    from slack_sdk import WebClient

    from adapters.http import HTTPServer

    app = App(client=WebClient(token="xoxb-test", base_url=api_url), signing_secret=SIGNING_SECRET,
              token_verification_enabled=False)

    @app.command("/cloudai")
    def on_command(ack: Any, respond: Any) -> None:
        ack()
        respond("ok")

    bolt = SlackRequestHandler(app)

    def application(environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok\n"]
        return bolt(environ, start_response)

    server = HTTPServer(application, "127.0.0.1", port)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0


# -- the burst --------------------------------------------------------------------------

@dataclass
class Burst:
    """What one side did with the burst: per-command send times, ack latencies and answers."""

    name: str
    paths: list[str] = field(default_factory=list)
    sent: list[float] = field(default_factory=list)
    acks: list[float | None] = field(default_factory=list)  # seconds; None: no HTTP answer at all
    bad_acks: list[str] = field(default_factory=list)  # non-200 statuses, errors, non-empty ack bodies
    arrivals: dict[str, list[float]] = field(default_factory=dict)
    listen_overflows: int | None = None  # the kernel's count during the burst (Linux), all sockets


def command_body(fake_url: str, path: str, n: int, question: str) -> str:
    """A slash command like `slash_command` builds, with its own user and response_url."""
    return urllib.parse.urlencode({
        "token": "legacy", "team_id": "T1", "channel_id": "C1", "channel_name": "general", "user_id": f"U{n:05d}",
        "user_name": f"user{n}", "command": "/cloudai", "text": question, "api_app_id": "A1",
        "response_url": f"{fake_url}{path}", "trigger_id": f"{n}.2.3",
    })


def send(url: str, body: str) -> tuple[float, float | None, str]:
    """Post one signed command: (sent at, ack latency or None, a problem or "")."""
    started = time.perf_counter()
    try:
        status, text = signed_post(url, body, FORM)
    except (OSError, http.client.HTTPException) as exc:  # a timeout, a reset: no ack at all
        return started, None, f"{type(exc).__name__}: {exc}"
    latency = time.perf_counter() - started
    problem = "" if status == 200 and not text.strip() else f"HTTP {status} {text.strip()[:80]!r}"
    return started, latency, problem


def run_burst(name: str, port: int, fake: FakeSlack, posts: StampedPosts, commands: int, concurrency: int) -> Burst:
    url = f"http://127.0.0.1:{port}/slack/events"
    send(url, command_body(fake.url, f"/response/{name}/warmup", 0, QUESTIONS[0]))
    burst = Burst(name, paths=[f"/response/{name}/{n}" for n in range(commands)])
    overflows_before = listen_overflows()
    bodies = [command_body(fake.url, path, n + 1, QUESTIONS[n % len(QUESTIONS)]) for n, path in enumerate(burst.paths)]
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        for started, latency, problem in pool.map(lambda b: send(url, b), bodies):
            burst.sent.append(started)
            burst.acks.append(latency)
            if problem:
                burst.bad_acks.append(problem)
    wait_for_answers(posts, [p for p, ack in zip(burst.paths, burst.acks) if ack is not None])
    overflows_after = listen_overflows()
    if overflows_before is not None and overflows_after is not None:
        burst.listen_overflows = overflows_after - overflows_before
    with fake.lock:
        burst.arrivals = {p: list(posts.arrivals.get(p, [])) for p in burst.paths}
    return burst


def listen_overflows() -> int | None:
    """TcpExt ListenOverflows from /proc/net/netstat: connections dropped because a listening
    socket's accept queue was full (the client then retries its SYN after ~1 s); None off Linux."""
    try:
        lines = Path("/proc/net/netstat").read_text().splitlines()
    except OSError:
        return None
    for names, values in zip(lines[::2], lines[1::2]):
        if names.startswith("TcpExt:"):
            table = dict(zip(names.split(), values.split()))
            return int(table["ListenOverflows"]) if "ListenOverflows" in table else None
    return None


def wait_for_answers(posts: StampedPosts, paths: list[str], timeout: float = ANSWER_TIMEOUT_S) -> None:
    """Until every path has an answer (or `timeout`), then a little longer for duplicates."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not all(posts.arrivals.get(p) for p in paths):
        time.sleep(0.05)
    time.sleep(SETTLE_S)


# -- figures ----------------------------------------------------------------------------

def percentile(values: list[float], q: int) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


@dataclass
class Figures:
    ack_p50: float
    ack_p99: float
    ack_max: float
    acks_slow: int
    acks_late: int
    bad_acks: int
    once: int
    duplicates: int
    missing: int
    answer_p50: float
    answer_p99: float
    wall: float


def figures(burst: Burst) -> Figures:
    acks_ms = [a * 1000 for a in burst.acks if a is not None]
    counts = [len(burst.arrivals.get(p, [])) for p, ack in zip(burst.paths, burst.acks) if ack is not None]
    answers_ms = [(burst.arrivals[p][0] - sent) * 1000
                  for p, sent in zip(burst.paths, burst.sent) if burst.arrivals.get(p)]
    last = max((burst.arrivals[p][0] for p in burst.paths if burst.arrivals.get(p)), default=float("nan"))
    return Figures(
        ack_p50=percentile(acks_ms, 50), ack_p99=percentile(acks_ms, 99), ack_max=max(acks_ms, default=float("nan")),
        acks_slow=sum(1 for a in burst.acks if a is not None and a > 1.0),
        acks_late=sum(1 for a in burst.acks if a is None or a > ACK_LIMIT_S), bad_acks=len(burst.bad_acks),
        once=counts.count(1), duplicates=sum(1 for c in counts if c > 1), missing=counts.count(0),
        answer_p50=percentile(answers_ms, 50), answer_p99=percentile(answers_ms, 99),
        wall=last - min(burst.sent, default=float("nan")),
    )


def print_table(ours: Figures, ref: Figures, commands: int, concurrency: int) -> None:
    rows: list[tuple[str, str, str]] = [
        ("ack p50 (ms)", f"{ours.ack_p50:.1f}", f"{ref.ack_p50:.1f}"),
        ("ack p99 (ms)", f"{ours.ack_p99:.1f}", f"{ref.ack_p99:.1f}"),
        ("ack max (ms)", f"{ours.ack_max:.1f}", f"{ref.ack_max:.1f}"),
        ("acks over 1 s", str(ours.acks_slow), str(ref.acks_slow)),
        (f"acks over {ACK_LIMIT_S:.0f} s or none", str(ours.acks_late), str(ref.acks_late)),
        ("acks not a plain 200", str(ours.bad_acks), str(ref.bad_acks)),
        ("answered once", str(ours.once), str(ref.once)),
        ("answered more than once", str(ours.duplicates), str(ref.duplicates)),
        ("acked, never answered", str(ours.missing), str(ref.missing)),
        ("answer p50 (ms)", f"{ours.answer_p50:.1f}", f"{ref.answer_p50:.1f}"),
        ("answer p99 (ms)", f"{ours.answer_p99:.1f}", f"{ref.answer_p99:.1f}"),
        ("first send to last answer (s)", f"{ours.wall:.2f}", f"{ref.wall:.2f}"),
    ]
    print(f"\nSlack HTTP mode, a burst of {commands} /cloudai commands, at most {concurrency} in flight\n")
    print(f"{'':30}{'cloudai':>12}{'reference':>12}")
    for label, a, b in rows:
        print(f"{label:30}{a:>12}{b:>12}")
    print()
    for label, a, b in (("ack p50", ours.ack_p50, ref.ack_p50), ("ack p99", ours.ack_p99, ref.ack_p99),
                        ("answer p50", ours.answer_p50, ref.answer_p50)):
        print(f"{label + ' cloudai/reference':30}{a / b if b else float('nan'):>11.2f}x")


def print_problems(name: str, burst: Burst, stderr_text: str) -> None:
    """Failed acks, dropped connections, and what stood out in the process's log."""
    if burst.listen_overflows:
        print(f"{name}: the kernel dropped {burst.listen_overflows} connections on full accept queues during its "
              "burst (each costs the client a ~1 s SYN retry; see the 'acks over 1 s' row)")
    if burst.bad_acks:
        print(f"{name}: {len(burst.bad_acks)} acks were not a plain 200, e.g. {burst.bad_acks[0]}")
    lines = stderr_text.splitlines()
    notable = [ln for ln in lines if any(w in ln for w in (" ERROR ", " WARNING ", "Traceback", "try again"))]
    if notable:
        print(f"{name}: {len(notable)} error/warning lines in its log, first: {notable[0][:200]}")


# -- main -------------------------------------------------------------------------------

def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--commands", type=int, default=200, help="slash commands per side (default 200)")
    parser.add_argument("--concurrency", type=int, default=20, help="commands in flight at once (default 20)")
    parser.add_argument("--reference-server", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--api-url", help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    if args.reference_server is not None:
        return serve_reference(args.reference_server, args.api_url)
    fake, posts = stamped_fake()
    bot_port, ref_port = free_port(), free_port()
    with (tempfile.TemporaryDirectory(prefix="cloudai-burst-") as tmp,
          open(Path(tmp) / "bot.log", "w+", encoding="utf-8") as bot_log,
          open(Path(tmp) / "reference.log", "w+", encoding="utf-8") as ref_log):
        data_dir = Path(tmp) / "data"
        data_dir.mkdir()
        bot = start_bot(fake, bot_port, str(data_dir), bot_log)
        ref = start_reference(fake, ref_port, ref_log)
        try:
            for name, proc, port, log_file in (("cloudai slack --http", bot, bot_port, bot_log),
                                               ("reference server", ref, ref_port, ref_log)):
                if not wait_healthy(proc, port):
                    stop(proc)
                    log_file.seek(0)
                    print(f"{name} did not start (exit status {proc.returncode}); its stderr:\n{log_file.read()}",
                          file=sys.stderr)
                    return 1
            ours = run_burst("cloudai", bot_port, fake, posts, args.commands, args.concurrency)
            theirs = run_burst("reference", ref_port, fake, posts, args.commands, args.concurrency)
        finally:
            codes = stop(bot), stop(ref)
            fake.server.shutdown()
        print_table(figures(ours), figures(theirs), args.commands, args.concurrency)
        print()
        for name, burst, log_file in (("cloudai", ours, bot_log), ("reference", theirs, ref_log)):
            log_file.seek(0)
            print_problems(name, burst, log_file.read())
        print(f"exit status after SIGTERM: cloudai {codes[0]}, reference {codes[1]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
