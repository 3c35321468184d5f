"""The `cloudai` command, run as a real subprocess the way a user runs it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, run_cloudai, write

pytestmark = pytest.mark.slow  # every test runs `cloudai` in a fresh interpreter

SCRIPT = Path(sys.executable).parent / "cloudai"

SIX_PRACTICES = (
    "Choose the Right Cloud Provider",
    "Prioritize Data Security and Privacy",
    "Optimize Data Management",
    "Leverage Pre-built AI Tools",
    "Focus on Model Monitoring",
    "Foster Collaboration",
)


def clean_env(**extra: str) -> dict[str, str]:
    """The caller's environment without any CLOUDAI_* setting, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOUDAI_")}
    env.update(extra)
    return env


def run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None,
        command: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        (command or [sys.executable, "-m", "app.cli"]) + list(args),
        cwd=ROOT, input=stdin, capture_output=True, text=True, encoding="utf-8", errors="replace",
        env=env or clean_env(), timeout=120,
    )


def no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stdout, proc.stdout
    assert "Traceback" not in proc.stderr, proc.stderr


def words(text: str) -> str:
    """Terminal output with its line wrapping undone."""
    return re.sub(r"-\s+", "-", re.sub(r"\s+", " ", text))




@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    """A small knowledge folder of two documents, one in a subfolder."""
    folder = tmp_path / "kb"
    write(folder, "guides/edge-notes.md", (
        "---\ntitle: Edge Computing Notes\ntags: [edge]\n---\n\n"
        "# Edge Computing Notes\n\n"
        "Edge computing processes sensor data close to where it is generated, "
        "which cuts latency for factory robots.\n\n"
        "## Latency Budgets\n\n"
        "A latency budget of ten milliseconds rules out round trips to a distant region.\n"
    ))
    write(folder, "kubernetes-quotas.md", (
        "# Kubernetes Quotas\n\n"
        "Resource quotas cap the CPU and memory a namespace may request.\n\n"
        "## Quota Scopes\n\n"
        "Scopes restrict a quota to terminating or best-effort pods.\n"
    ))
    return folder


# --- ask ------------------------------------------------------------------------------


def test_ask_best_practices_lists_the_six_practices() -> None:
    proc = run("ask", "best practices")
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    out = words(proc.stdout)
    for practice in SIX_PRACTICES:
        assert practice in out
    assert "\nSources:\n" in proc.stdout
    assert "best-practices.md" in proc.stdout


def test_installed_cloudai_script_answers() -> None:
    if not SCRIPT.exists():
        pytest.skip(f"no installed cloudai script next to {sys.executable}")
    proc = run("ask", "best practices", command=[str(SCRIPT)])
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    assert "Choose the Right Cloud Provider" in words(proc.stdout)
    assert "Sources:" in proc.stdout


def test_ask_gibberish_says_no_confident_answer() -> None:
    proc = run("ask", "qwxz plorf")
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    assert "No confident answer" in proc.stdout
    assert "Did you mean" in proc.stdout
    assert "Sources:" not in proc.stdout


@pytest.mark.parametrize(
    "question",
    ["   ", "cloud " * 1666 + "ai??", "what\x01 is\x07 AIaaS\x1b\x7f?\x0b"],
    ids=["blank", "10000-chars", "control-characters"],
)
def test_ask_odd_questions_never_crash(question: str) -> None:
    proc = run("ask", question)
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip()


def test_ask_with_control_characters_answers_like_the_plain_question() -> None:
    plain = run("ask", "what is AIaaS?")
    garbled = run("ask", "what\x01 is\x07 AIaaS\x7f?")
    assert plain.returncode == garbled.returncode == 0
    assert "AIaaS" in plain.stdout.splitlines()[0]
    assert garbled.stdout == plain.stdout


def test_blank_question_gets_the_help_text() -> None:
    proc = run("ask", "   ")
    assert proc.returncode == 0
    assert "Ask me a question" in proc.stdout


# --- search ---------------------------------------------------------------------------


def test_search_prints_one_json_object() -> None:
    proc = run("search", "edge computing", "--json")
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 1
    result = json.loads(lines[0])
    assert set(result) == {"query", "intent", "hits"}
    assert result["query"] == "edge computing"
    assert result["hits"]
    for hit in result["hits"]:
        assert set(hit) == {"doc", "title", "heading", "text", "score"}
        assert hit["doc"].endswith(".md") and not hit["doc"].startswith("/")
        assert isinstance(hit["score"], (int, float))
    top = result["hits"][0]
    assert "Edge" in top["heading"] and "edge computing" in top["text"].lower()
    scores = [h["score"] for h in result["hits"]]
    assert scores == sorted(scores, reverse=True)


def test_search_reads_queries_from_stdin_in_order(knowledge: Path) -> None:
    queries = ["edge computing latency", "how to bake sourdough bread", "namespace resource quotas"]
    proc = run("search", "--knowledge", str(knowledge), "--json", stdin="\n".join(queries) + "\n")
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    results = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["query"] for r in results] == queries
    edge, bread, quotas = results
    assert edge["hits"][0]["doc"] == "guides/edge-notes.md"
    assert edge["hits"][0]["title"] == "Edge Computing Notes"
    assert bread["hits"] == []
    assert quotas["hits"][0]["doc"] == "kubernetes-quotas.md"


# --- eval -----------------------------------------------------------------------------


def test_eval_prints_a_json_summary_last(knowledge: Path, tmp_path: Path) -> None:
    questions = tmp_path / "questions.jsonl"
    questions.write_text("\n".join(json.dumps(q) for q in [
        {"q": "what is a latency budget?", "any": [{"doc": "guides/edge-notes.md", "contains": "ten milliseconds"}],
         "kind": "fact"},
        {"q": "what do quota scopes restrict?", "any": [{"doc": "kubernetes-quotas.md", "contains": "best-effort pods"}],
         "kind": "fact"},
        {"q": "how to bake sourdough bread", "kind": "negative"},
    ]) + "\n", encoding="utf-8")
    proc = run("eval", str(questions), "--knowledge", str(knowledge))
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads(proc.stdout.splitlines()[-1])
    assert summary["questions"] == 2
    assert summary["hit@1"] == 1.0
    assert summary["hit@3"] == 1.0
    assert summary["mrr@5"] == 1.0
    assert summary["negatives_rejected"] == "1/1"


def test_eval_with_a_malformed_questions_file_is_a_one_line_error(knowledge: Path, tmp_path: Path) -> None:
    questions = write(tmp_path, "bad.jsonl", "this is not json\n")
    proc = run("eval", str(questions), "--knowledge", str(knowledge))
    no_traceback(proc)
    assert proc.returncode == 2
    assert proc.stderr.startswith("cloudai: error: ")
    assert "not a question line" in proc.stderr


# --- check ----------------------------------------------------------------------------


def test_check_lists_a_skipped_file_and_exits_1(knowledge: Path) -> None:
    write(knowledge, "broken.md", b"\xff\xfe\xfa")
    proc = run("check", "--knowledge", str(knowledge))
    no_traceback(proc)
    assert proc.returncode == 1
    assert "skipped: broken.md: not UTF-8" in proc.stdout
    assert "2 documents loaded" in proc.stdout
    assert "1 skipped" in proc.stdout


def test_check_clean_folder_exits_0_with_counts(knowledge: Path) -> None:
    proc = run("check", "--knowledge", str(knowledge))
    no_traceback(proc)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.search(r"^2 documents loaded, \d+ sections, 0 skipped, 0 repaired", proc.stdout, re.MULTILINE)


def test_ask_reports_skipped_files_on_stderr_and_still_answers(knowledge: Path) -> None:
    write(knowledge, "broken.md", "---\ntitle: never closed\n")
    proc = run("ask", "namespace resource quotas", "--knowledge", str(knowledge))
    no_traceback(proc)
    assert proc.returncode == 0
    assert "cloudai: skipped broken.md: broken frontmatter" in proc.stderr
    assert "Resource quotas cap the CPU" in words(proc.stdout)


# --- errors, chat, environment --------------------------------------------------------


@pytest.mark.parametrize("command", [["ask", "hello"], ["search", "hello"], ["check"], ["chat"]])
def test_missing_knowledge_folder_is_a_one_line_error(command: list[str]) -> None:
    proc = run(*command, "--knowledge", "/does/not/exist", stdin="")
    no_traceback(proc)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == ["cloudai: error: knowledge folder not found: /does/not/exist"]
    assert proc.stdout == ""


def test_empty_knowledge_folder_is_a_one_line_error(tmp_path: Path) -> None:
    proc = run("ask", "hello", "--knowledge", str(tmp_path))
    no_traceback(proc)
    assert proc.returncode == 2
    [line] = proc.stderr.splitlines()
    assert line.startswith("cloudai: error: no usable Markdown files") and str(tmp_path) in line


def test_chat_answers_then_quits() -> None:
    proc = run("chat", stdin="what is AIaaS?\nquit\n")
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    assert "AI Infrastructure as a Service (AIaaS)" in proc.stdout
    assert "Sources:" in proc.stdout


def test_chat_stops_reading_at_quit(knowledge: Path) -> None:
    proc = run("chat", "--knowledge", str(knowledge), stdin="namespace resource quotas\nquit\nedge latency budget\n")
    assert proc.returncode == 0, proc.stderr
    assert "Resource quotas cap the CPU" in words(proc.stdout)
    assert "ten milliseconds" not in proc.stdout


def test_knowledge_dir_from_the_environment(knowledge: Path) -> None:
    env = clean_env(CLOUDAI_KNOWLEDGE_DIR=str(knowledge))
    proc = run("search", "resource quotas", "--json", env=env)
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    hits = json.loads(proc.stdout)["hits"]
    assert hits and {h["doc"] for h in hits} <= {"kubernetes-quotas.md", "guides/edge-notes.md"}
    assert hits[0]["doc"] == "kubernetes-quotas.md"

    check = run("check", env=env)
    assert check.returncode == 0
    assert "2 documents loaded" in check.stdout

    ask = run("ask", "best practices", env=env)
    assert ask.returncode == 0
    assert "Choose the Right Cloud Provider" not in words(ask.stdout)


def test_knowledge_option_wins_over_the_environment(knowledge: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    write(other, "sourdough.md", "# Sourdough\n\nBake sourdough bread with a ripe starter and a hot oven.\n")
    env = clean_env(CLOUDAI_KNOWLEDGE_DIR=str(knowledge))
    proc = run("search", "sourdough bread", "--json", "--knowledge", str(other), env=env)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["hits"][0]["doc"] == "sourdough.md"


def test_knowledge_option_before_the_command(knowledge: Path) -> None:
    proc = run("--knowledge", str(knowledge), "search", "--json", "latency budget")
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    hits = json.loads(proc.stdout)["hits"]
    assert hits and all(not h["doc"].startswith("/") for h in hits)


def test_terminal_colour_codes_do_not_change_the_answer() -> None:
    plain = run("ask", "what is AIaaS?")
    coloured = run("ask", "what is \x1b[1;31mAIaaS\x1b[0m?")
    no_traceback(coloured)
    assert coloured.stdout == plain.stdout


def test_config_prints_every_setting_with_secrets_masked(tmp_path: Path) -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-very-secret", "DISCORD_TOKEN": "discord-very-secret",
           "CLOUDAI_DATABASE_URL": "postgresql+psycopg://cloudai:hunter2@db.internal/cloudai",
           "CLOUDAI_DIGEST_TZ": "Europe/Paris"}
    out = run_cloudai(["config"], {**env, "HOME": str(tmp_path)}, cwd=tmp_path)
    assert out.returncode == 0
    assert "SLACK_BOT_TOKEN=********" in out.stdout and "DISCORD_TOKEN=********" in out.stdout
    assert "CLOUDAI_DIGEST_TZ=Europe/Paris" in out.stdout and "SLACK_SIGNING_SECRET=(not set)" in out.stdout
    assert "CLOUDAI_DATABASE_URL=postgresql+psycopg://cloudai:***@db.internal/cloudai" in out.stdout
    for secret in ("xoxb-very-secret", "discord-very-secret", "hunter2"):
        assert secret not in out.stdout + out.stderr


def test_config_names_a_bad_variable_in_one_line(tmp_path: Path) -> None:
    out = run_cloudai(["config"], {"PORT": "99999", "HOME": str(tmp_path)}, cwd=tmp_path)
    assert out.returncode == 2 and out.stdout == ""
    assert out.stderr.strip() == ("cloudai: error: invalid settings: PORT='99999': input should be less than or "
                                  "equal to 65535")


def test_ask_reads_the_env_file_of_its_working_folder(knowledge: Path, tmp_path: Path) -> None:
    """With nothing in the environment, `ask` skips reading settings; a `.env` beside it
    still counts, in any case pydantic-settings accepts, and a bad value in it is still named."""
    home = tmp_path / "home"
    home.mkdir()
    (home / ".env").write_text(f"cloudai_knowledge_dir={knowledge}\n", encoding="utf-8")
    ask = run_cloudai(["ask", "resource quotas"], {}, cwd=home)
    no_traceback(ask)
    assert ask.returncode == 0, ask.stderr
    assert "Resource quotas cap the CPU" in words(ask.stdout)

    (home / ".env").write_text("CLOUDAI_ADMINS=nosuchplatform:U1\n", encoding="utf-8")
    bad = run_cloudai(["ask", "resource quotas"], {}, cwd=home)
    assert bad.returncode != 0 and bad.stdout == ""
    assert "invalid settings" in bad.stderr and "CLOUDAI_ADMINS" in bad.stderr, bad.stderr
