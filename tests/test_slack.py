"""The Slack adapter over real HTTP on 127.0.0.1: signed requests in, a fake Web API out."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.slack import (
    BLOCKS_MAX,
    HEADER_MAX,
    SECTION_MAX,
    SlackSettings,
    build_app,
    render,
    socket_mode_handler,
    to_mrkdwn,
)
from bot.assistant import Assistant
from bot.feedback import LogFeedback
from bot.models import Reply, Source
from bot.ratelimit import QuestionLimiter
from bot.settings import Settings

from .conftest import ROOT, free_port, healthy, run_cloudai, write
from .slack_fake import (
    FORM,
    JSON,
    SIGNING_SECRET,
    FakeSlack,
    block_action,
    event_callback,
    serving,
    settings_for,
    signed_post,
    slash_command,
    start_fake_slack,
)

pytestmark = pytest.mark.slow  # a fake Slack and the adapter's HTTP server, and `cloudai` processes

LIVE_MENTION = re.compile(r"<!(channel|here|everyone)[^>]*>|<@U|<#C|<!subteam")


@pytest.fixture(scope="module")
def injected_knowledge(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("kb")
    write(folder, "alerts.md", (
        "---\ntitle: Alerting Runbook\n---\n\n# Alerting Runbook\n\n"
        "When the GPU cluster pages, write <!channel> and <!here> and <@U123> and @everyone in #ops "
        "and <#C1> so that everybody knows the GPU cluster is down.\n"
    ))
    write(folder, "gpus.md", "# GPU Clusters\n\nGPU clusters train large models; see [[Alerting Runbook]].\n")
    return folder


@pytest.fixture(scope="module")
def slack(bundled: Assistant) -> Iterator[tuple[FakeSlack, str, LogFeedback]]:
    fake = start_fake_slack()
    sink = LogFeedback()
    adapter = build_app(bundled, settings_for(fake), feedback=sink)
    with serving(adapter) as url:
        yield fake, url, sink
    fake.server.shutdown()


def test_slash_command_answers_in_channel_with_who_asked(slack) -> None:
    fake, url, _ = slack
    status, _ = signed_post(f"{url}/slack/events", slash_command(fake, "best practices", "jane"), FORM)
    assert status == 200
    posted = fake.pop("/response/cmd")
    body = posted.body
    assert body["response_type"] == "in_channel"
    assert body["blocks"][0]["type"] == "header"
    shown = "\n".join(posted.texts)
    assert "*jane* asked: best practices" in shown
    assert "Choose the Right Cloud Provider" in shown
    assert ":page_facing_up: Best Practices for Integrating AI with Cloud Computing" in shown
    assert body["text"] and "Best Practices" in body["text"]
    actions = [b for b in body["blocks"] if b["type"] == "actions"]
    assert any(e["action_id"] == "cloudai_feedback_up" for b in actions for e in b["elements"])
    assert any(e["action_id"].startswith("cloudai_topic_") for b in actions for e in b["elements"])


@pytest.mark.parametrize("text", ["", "help"])
def test_bare_command_and_help_answer_ephemerally_in_the_ack(slack, text: str) -> None:
    fake, url, _ = slack
    status, response = signed_post(f"{url}/slack/events", slash_command(fake, text), FORM)
    assert status == 200
    ack = json.loads(response)
    assert ack["response_type"] == "ephemeral"
    shown = json.dumps(ack["blocks"])
    assert "How to use cloudai" in shown and "Best practices" in shown
    assert fake.settle(0.3) == []


def test_mention_is_answered_in_its_thread(slack) -> None:
    fake, url, _ = slack
    event = {"type": "app_mention", "user": "U1", "text": "<@UBOT> what is AIaaS?", "ts": "1700000000.000100",
             "channel": "C1", "event_ts": "1700000000.000100"}
    status, _ = signed_post(f"{url}/slack/events", event_callback(event, "Ev-mention"), JSON)
    assert status == 200
    posted = fake.pop("/api/chat.postMessage")
    assert posted.body["channel"] == "C1"
    assert posted.body["thread_ts"] == "1700000000.000100"
    assert posted.authorization == "Bearer xoxb-test"
    assert "AI Infrastructure as a Service" in "\n".join(posted.texts)


def test_a_follow_up_in_a_thread_is_read_with_the_thread_s_previous_question(slack) -> None:
    fake, url, _ = slack
    root = "1700000100.000100"

    def mention(text: str, ts: str, thread: str | None = None) -> list[str]:
        event = {"type": "app_mention", "user": "U1", "text": f"<@UBOT> {text}", "ts": ts, "channel": "C1",
                 **({"thread_ts": thread} if thread else {})}
        assert signed_post(f"{url}/slack/events", event_callback(event, f"Ev-follow-{ts}"), JSON)[0] == 200
        posted = fake.pop("/api/chat.postMessage")
        assert posted.body["thread_ts"] == (thread or ts)
        return posted.texts

    assert "Healthcare" in mention("use cases in healthcare", root)[0]
    assert "Finance and Financial Services" in mention("and in finance?", "1700000100.000200", root)[0]
    assert "Retail" in mention("tell me more", "1700000100.000300", root)[0]  # the section after Finance
    assert "No confident answer" in mention("tell me more", "1700000100.000400")[0]  # a new thread: no context


def test_direct_message_is_answered_in_the_dm_once(slack) -> None:
    fake, url, _ = slack
    event = {"type": "message", "channel_type": "im", "user": "U1", "text": "use cases in healthcare",
             "ts": "1700000001.000200", "channel": "D1", "event_ts": "1700000001.000200"}
    mention = dict(event, type="app_mention")
    signed_post(f"{url}/slack/events", event_callback(event, "Ev-dm"), JSON)
    signed_post(f"{url}/slack/events", event_callback(mention, "Ev-dm-mention"), JSON)
    posted = fake.pop("/api/chat.postMessage")
    assert posted.body["channel"] == "D1"
    assert "thread_ts" not in posted.body or posted.body["thread_ts"] is None
    assert "Healthcare" in "\n".join(posted.texts)
    assert fake.settle() == [], "a message delivered as both a DM and a mention is answered once"


def test_bot_messages_and_channel_chatter_are_ignored(slack) -> None:
    fake, url, _ = slack
    for i, event in enumerate([
        {"type": "message", "channel_type": "im", "bot_id": "B9", "text": "best practices", "ts": "1.1", "channel": "D1"},
        {"type": "message", "channel_type": "channel", "user": "U1", "text": "best practices", "ts": "1.2",
         "channel": "C1"},
    ]):
        signed_post(f"{url}/slack/events", event_callback(event, f"Ev-ignore-{i}"), JSON)
    assert fake.settle() == []


def test_retried_event_is_answered_once(slack) -> None:
    fake, url, _ = slack
    event = {"type": "app_mention", "user": "U1", "text": "<@UBOT> key trends", "ts": "1700000002.000300",
             "channel": "C1"}
    body = event_callback(event, "Ev-retry")
    signed_post(f"{url}/slack/events", body, JSON)
    for n in (1, 2):
        status, _ = signed_post(f"{url}/slack/events", body, JSON,
                                headers={"X-Slack-Retry-Num": str(n), "X-Slack-Retry-Reason": "http_timeout"})
        assert status == 200
    fake.pop("/api/chat.postMessage")
    assert fake.settle() == []


def test_topic_button_asks_that_topic_in_the_thread(slack) -> None:
    fake, url, _ = slack
    status, _ = signed_post(f"{url}/slack/events", block_action(fake, "cloudai_topic_1", "Key Trends in Cloud and AI"),
                            FORM)
    assert status == 200
    posted = fake.pop("/api/chat.postMessage")
    assert posted.body["thread_ts"] == "111.222"
    assert "Key Trends in Cloud and AI" in "\n".join(posted.texts)


def test_a_topic_button_answers_the_section_it_names(tmp_path: Path) -> None:
    """Related topics are a reply's headings; a button asked its label as a new question, so
    "Recap" was answered by whichever page's recap ranked first, and a heading of everyday
    words was declined. A heading other sections share is offered as "Parent › Heading", and
    a click answers the section the label names."""
    write(tmp_path, "cookies.md", "# Cookie Parameters\n\nRead cookies sent by the browser.\n\n"
                                  "## Declare cookies\n\nDeclare a cookie like a query parameter.\n\n"
                                  "## Recap\n\nCookies are declared with Cookie, using the same pattern as Query.\n\n"
                                  "## What you get\n\nTyped values and docs for free.\n")
    write(tmp_path, "headers.md", "# Header Parameters\n\nRead headers sent by the browser.\n\n"
                                  "## Recap\n\nHeaders are declared with Header, using the same pattern as Query "
                                  "and Path, and cookies too.\n")
    fake = start_fake_slack()
    adapter = build_app(Assistant.load(tmp_path), settings_for(fake))
    try:
        with serving(adapter) as base:
            url = f"{base}/slack/events"
            signed_post(url, slash_command(fake, "cookie parameters"), FORM)
            answer = fake.pop("/response/cmd").body
            topics = [e["value"] for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]
                      if e["action_id"].startswith("cloudai_topic")]
            assert "Cookie Parameters › Recap" in topics and "What you get" in topics, topics
            for label, says in (("Cookie Parameters › Recap", "Cookies are declared with Cookie"),
                                ("What you get", "Typed values and docs for free.")):
                signed_post(url, block_action(fake, "cloudai_topic_1", label), FORM)
                shown = "\n".join(fake.pop("/api/chat.postMessage").texts)
                assert says in shown and "Headers are declared" not in shown and "No confident answer" not in shown
    finally:
        fake.server.shutdown()


def test_feedback_click_is_recorded_and_the_message_says_thanks(slack) -> None:
    fake, url, sink = slack
    value = json.dumps({"q": "best practices", "s": "Best Practices", "i": "best_practices"})
    message = {"type": "message", "ts": "111.222", "text": "Best practices: …", "blocks": [
        {"type": "section", "block_id": "answer", "text": {"type": "mrkdwn", "text": "the answer"}},
        {"type": "actions", "block_id": "cloudai_feedback", "elements": []},
    ]}
    signed_post(f"{url}/slack/events", block_action(fake, "cloudai_feedback_down", value, message), FORM)
    posted = fake.pop("/response/action")
    assert posted.body["replace_original"] is True
    shown = "\n".join(posted.texts)
    assert "Thanks for the feedback" in shown and "the answer" in shown
    assert all(b.get("block_id") != "cloudai_feedback" for b in posted.body["blocks"])
    vote = sink.recorded[-1]
    assert (vote.vote, vote.platform, vote.question, vote.user) == (-1, "slack", "best practices", "U2")


def test_url_verification_challenge_is_echoed(slack) -> None:
    _, url, _ = slack
    status, response = signed_post(f"{url}/slack/events",
                                   json.dumps({"type": "url_verification", "challenge": "abc123", "token": "t"}),
                                   JSON)
    assert status == 200 and "abc123" in response


@pytest.mark.parametrize("how", ["bad signature", "old timestamp", "malformed body"])
def test_forged_stale_or_malformed_requests_are_rejected(slack, how: str) -> None:
    fake, url, _ = slack
    body = slash_command(fake, "best practices")
    if how == "bad signature":
        status, _ = signed_post(f"{url}/slack/events", body, FORM, secret="not-the-secret")
    elif how == "old timestamp":
        status, _ = signed_post(f"{url}/slack/events", body, FORM, timestamp=int(time.time()) - 301)
    else:
        status, _ = signed_post(f"{url}/slack/events", "{not json", JSON)
    assert status in (400, 401)
    assert fake.settle(0.3) == []


def test_healthz(slack) -> None:
    _, url, _ = slack
    with urllib.request.urlopen(f"{url}/healthz", timeout=5) as resp:
        assert resp.status == 200


def test_no_user_or_document_text_can_ping(injected_knowledge: Path) -> None:
    assistant = Assistant.load(injected_knowledge)
    fake = start_fake_slack()
    adapter = build_app(assistant, settings_for(fake))
    try:
        with serving(adapter) as base:
            url = f"{base}/slack/events"
            question = "<!channel> <!here> <@U123> @everyone GPU cluster pages"
            signed_post(url, slash_command(fake, question), FORM)
            event = {"type": "app_mention", "user": "U1", "text": f"<@UBOT> {question}", "ts": "5.5", "channel": "C1"}
            signed_post(url, event_callback(event, "Ev-inject"), JSON)
            posts = [fake.pop("/response/cmd"), fake.pop("/api/chat.postMessage")]
            for posted in posts:
                shown = "\n".join(posted.texts)
                assert "GPU cluster" in shown
                assert not LIVE_MENTION.search(shown), shown
                assert not re.search(r"(?<!\u200b)@(everyone|here|channel)\b", shown.replace("@\u200b", "")), shown
            assert "&lt;!channel&gt;" in "\n".join(posts[1].texts)
    finally:
        fake.server.shutdown()


def test_a_6000_character_answer_fits_block_kit() -> None:
    sentence = "Clusters scale out when **demand** grows, see [docs](https://example.com/a). "
    body = "\n\n".join(sentence * 8 for _ in range(11))
    assert len(body) > 6000
    reply = Reply(title="T" * 300, body=body, sources=(Source("Doc", "Doc › Part", "doc.md", "part"),),
                  related=tuple(f"topic {i} " + "x" * 100 for i in range(9)), question="q" * 5000)
    message = render(reply, asked_by="jane")
    blocks = message["blocks"]
    assert len(blocks) <= BLOCKS_MAX
    assert len(blocks[0]["text"]["text"]) <= HEADER_MAX
    texts = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert all(len(t) <= SECTION_MAX for t in texts)
    assert sum(len(t) for t in texts) >= 5000, "a long answer is split, not dropped"
    for b in blocks:
        for e in b.get("elements", []):
            if e["type"] == "button":
                assert len(e["text"]["text"]) <= 75 and len(e["value"]) <= 2000
    assert len(message["text"]) <= 3000


def test_markdown_becomes_mrkdwn() -> None:
    md = "## Setup\n\n**Bold** and *it* with [a link](https://x.io/p?a=1&b=2) and `<code>`\n- one\n- two"
    out = to_mrkdwn(md)
    assert "*Setup*" in out and "*Bold*" in out and "_it_" in out
    assert "<https://x.io/p?a=1&amp;b=2|a link>" in out
    assert "`&lt;code&gt;`" in out
    assert "• one\n• two" in out


def test_socket_mode_handler_builds_from_settings_without_network(bundled: Assistant) -> None:
    settings = Settings(_env_file=None).given(SlackSettings(  # type: ignore[call-arg]
        _env_file=None, bot_token="xoxb-test", app_token="xapp-test", mode="socket"))
    adapter = build_app(bundled, settings, verify_token=False)
    handler = socket_mode_handler(adapter, settings)
    assert handler.app is adapter.app
    assert handler.client.app_token == "xapp-test"


def test_settings_mask_secrets() -> None:
    section = SlackSettings(_env_file=None, bot_token="xoxb-secret-value", signing_secret="s3cr3t")  # type: ignore[call-arg]
    settings = Settings(_env_file=None, database_url="postgresql://u:pw-secret@db/x").given(section)  # type: ignore[call-arg]
    shown = repr(settings) + str(settings.model_dump()) + repr(section) + str(section.model_dump())
    assert "xoxb-secret-value" not in shown and "s3cr3t" not in shown and "pw-secret" not in shown


def test_cloudai_slack_without_tokens_names_the_missing_variables(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CLOUDAI_"))}
    for args, expected in ((["slack"], ["SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"]),
                           (["slack", "--http"], ["SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"])):
        proc = subprocess.run([sys.executable, "-m", "app.cli", *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 2
        for name in expected:
            assert name in proc.stderr
        assert "Traceback" not in proc.stderr
        assert str(ROOT) not in proc.stdout


def test_error_while_answering_gives_a_short_apology(slack, caplog: pytest.LogCaptureFixture) -> None:
    fake, url, _ = slack
    from adapters import slack as slack_module

    original = slack_module.render
    calls = {"n": 0}

    def broken(reply: Reply, asked_by: str | None = None) -> dict:
        calls["n"] += 1
        raise RuntimeError("renderer exploded")

    slack_module.render = broken
    try:
        with caplog.at_level(logging.ERROR, logger="cloudai.slack"):
            status, _ = signed_post(f"{url}/slack/events", slash_command(fake, "trends"), FORM)
            posted = fake.pop("/response/cmd")
    finally:
        slack_module.render = original
    assert status == 200 and calls["n"] == 1
    assert posted.body["response_type"] == "ephemeral"
    assert "Something went wrong" in posted.body["text"]
    assert "renderer exploded" in caplog.text
    # and the server keeps serving
    signed_post(f"{url}/slack/events", slash_command(fake, "trends"), FORM)
    assert "Key Trends" in "\n".join(fake.pop("/response/cmd").texts)


def test_manifest_declares_what_the_adapter_handles() -> None:
    import yaml

    manifest = yaml.safe_load((ROOT / "config" / "slack-manifest.yaml").read_text())
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/cloudai"]
    assert {"app_mentions:read", "chat:write", "commands", "im:history"} <= set(manifest["oauth_config"]["scopes"]["bot"])
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == {"app_mention", "message.im"}
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is True


def test_questions_over_the_rate_limit_get_a_polite_ephemeral_notice(bundled: Assistant) -> None:
    fake = start_fake_slack()
    adapter = build_app(bundled, settings_for(fake), limiter=QuestionLimiter(per_user="1/minute", per_channel=None))
    try:
        with serving(adapter) as base:
            url = f"{base}/slack/events"
            signed_post(url, slash_command(fake, "best practices"), FORM)
            assert fake.pop("/response/cmd").body["response_type"] == "in_channel"
            status, response = signed_post(url, slash_command(fake, "trends"), FORM)
            ack = json.loads(response)
            assert status == 200 and ack["response_type"] == "ephemeral"
            assert "asking faster than I can keep up with" in ack["text"] and "try again in" in ack["text"]
            event = {"type": "app_mention", "user": "U1", "text": "<@UBOT> trends", "ts": "7.7", "channel": "C1"}
            signed_post(url, event_callback(event, "Ev-limited"), JSON)
            assert "try again in" in fake.pop("/api/chat.postMessage").body["text"]
            assert fake.settle(0.3) == []
    finally:
        fake.server.shutdown()


def test_cloudai_slack_stops_gracefully_on_sigterm(tmp_path: Path) -> None:
    import signal

    fake = start_fake_slack()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "CLOUDAI_", "DISCORD_"))}
    env.update(SLACK_BOT_TOKEN="xoxb-test", SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_API_URL=f"{fake.url}/api/",
               CLOUDAI_HOST="127.0.0.1", CLOUDAI_DATA_DIR=str(tmp_path))
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", "slack", "--http", "--port", str(port)], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        healthy(port, 10)
        signed_post(f"http://127.0.0.1:{port}/slack/events", slash_command(fake, "best practices"), FORM)
        assert fake.pop("/response/cmd").body["response_type"] == "in_channel"
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
        fake.server.shutdown()
    assert proc.returncode == 0, err
    assert "stopped on a signal" in err and "Traceback" not in err
    assert "answered platform=slack channel=C1 intent=best_practices" in err
    assert not [line for line in err.splitlines() if " WARNING " in line or " ERROR " in line], err


def test_a_port_already_taken_is_one_line_naming_the_setting(tmp_path: Path) -> None:
    import socket

    fake = start_fake_slack()
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = run_cloudai(["slack", "--http", "--port", str(port)], {
            "SLACK_BOT_TOKEN": "xoxb-test", "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": f"{fake.url}/api/", "CLOUDAI_HOST": "127.0.0.1", "CLOUDAI_DATA_DIR": str(tmp_path),
            "HOME": str(tmp_path)}, cwd=tmp_path)
    fake.server.shutdown()
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "cloudai slack: cannot listen for Slack's HTTP requests: Address already in use" in proc.stderr
