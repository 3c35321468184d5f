"""What a user sees from `Assistant.reply`: answers, sources, related topics, no-match replies."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.assistant import BODY_LIMIT, Assistant
from bot.models import Reply

from .conftest import write

SIX_PRACTICES = [
    "Choose the Right Cloud Provider",
    "Prioritize Data Security and Privacy",
    "Optimize Data Management",
    "Leverage Pre-built AI Tools",
    "Model Monitoring and Maintenance",
    "Foster Collaboration",
]


def test_best_practices_lists_all_six(bundled: Assistant) -> None:
    reply = bundled.reply("best practices")
    assert not reply.no_match
    assert reply.intent == "best_practices"
    for practice in SIX_PRACTICES:
        assert practice in reply.body
    assert any(s.path == "best-practices.md" for s in reply.sources)


def test_slash_command_style_question_with_bot_name(bundled: Assistant) -> None:
    reply = bundled.reply("cloudai best practices")
    assert "Choose the Right Cloud Provider" in reply.body


@pytest.mark.parametrize(
    ("question", "intent", "expected"),
    [
        ("what is AIaaS?", "definition", "AI Infrastructure as a Service"),
        ("use cases in healthcare", "use_cases", "medical imaging"),
        ("how is AI used in finance?", "use_cases", "fraud"),
        ("how big is the cloud AI market?", "market_figures", "$44.97 billion"),
        ("what are the key trends?", "trends", "Edge"),
        ("encryption and access control", "security", "encryption"),
        ("ethical AI", "responsible_ai", "bias"),
        ("what is edge computing", "definition", "latency"),
        ("quantum computing", None, "quantum"),
    ],
)
def test_questions_by_kind_answer_from_the_right_place(bundled: Assistant, question: str, intent: str | None,
                                                       expected: str) -> None:
    reply = bundled.reply(question)
    assert not reply.no_match, question
    if intent is not None:
        assert reply.intent == intent
    assert expected.lower() in reply.body.lower()
    assert reply.sources and all(s.title and s.path.endswith(".md") for s in reply.sources)


@pytest.mark.parametrize(
    ("typo", "expected"),
    [("best practises", "Choose the Right Cloud Provider"), ("use cases in helthcare", "medical"),
     ("machne lerning servcies", "machine learning")],
)
def test_typos_are_corrected_and_said(bundled: Assistant, typo: str, expected: str) -> None:
    reply = bundled.reply(typo)
    assert not reply.no_match
    assert expected.lower() in reply.body.lower()
    assert "read as:" in reply.body


@pytest.mark.parametrize(
    "question",
    ["what's the weather in Paris", "qwxz plorf", "tell me a joke about cats", "how to bake a sourdough bread",
     "who won the football game yesterday"],
)
def test_off_topic_questions_get_a_no_match_with_suggestions(bundled: Assistant, question: str) -> None:
    reply = bundled.reply(question)
    assert reply.no_match
    assert not reply.sources
    assert reply.suggestions
    assert "couldn't find" in reply.body


def test_asking_for_advice_on_what_the_knowledge_never_mentions_is_declined(bundled: Assistant) -> None:
    """"recommend a good book for the holidays" was answered with "Secure and Scalable
    Storage": its only known words, "recommend" and "good", are the best-practices intent's
    own (recommendations, good practice), and "book" and "holidays" are words the knowledge
    never uses. Advice about nothing it knows is no answer; advice about what it knows is."""
    for question in ("recommend a good book for the holidays", "recommend a good laptop for students"):
        assert bundled.reply(question).no_match, question
    for question in ("recommendations", "best practices", "recommend good practices for the cloud"):
        assert not bundled.reply(question).no_match, question


def test_an_intent_word_the_knowledge_never_uses_is_no_topic_it_lacks(bundled: Assistant, tmp_path: Path) -> None:
    """"is it worth using AIaaS?" was declined: "worth", a market-figures word the bundled
    articles never use, counted as a second topic no section held. It says what kind of
    answer is wanted, and the knowledge has market figures; the question is about AIaaS. A
    topic word the knowledge lacks still declines, and so does the intent's word where the
    knowledge has no section of its kind: notes on Kafka know "key", not trends."""
    for question in ("is it worth using AIaaS?", "is AIaaS worth it?"):
        reply = bundled.reply(question)
        assert not reply.no_match and "AIaaS" in reply.title, (question, reply.title)
    for question in ("is it worth buying a house?", "is a used boat worth it?"):
        assert bundled.reply(question).no_match, question
    write(tmp_path, "kafka.md", "# Kafka retention\n\nCompacted topics keep the latest value per key.\n")
    assert Assistant.load(tmp_path).reply("what are the key trends?").no_match


def test_a_decline_names_what_the_knowledge_never_mentions(bundled: Assistant) -> None:
    """A question declined for a name the knowledge lacks says which, as it was typed: the
    asker learns the docs have nothing on MLaaS, not that the question was badly put."""
    reply = bundled.reply("what's the difference between AIaaS and MLaaS?")
    assert reply.no_match and "Nothing in it mentions “MLaaS”." in reply.body
    assert "AIaaS”." not in reply.body and "AIaaS" in reply.suggestions[0]
    assert "mentions" not in bundled.reply("how to bake a sourdough bread").body  # no name: nothing to say


def test_markdown_links_between_pages_relate_them(tmp_path: Path) -> None:
    """A doc site or a Notion export links its pages with Markdown links, not `[[wiki
    links]]` (by file, or by the page's address on the site: `/ops/oncall/`): they now
    relate the two pages (both ways) and count toward a page's topics rank, as wiki links
    do. A link out of the folder, to a web page or to itself, does not."""
    write(tmp_path, "guide/setup.md", "# Cluster setup\n\nInstall the agent, then request a quota as "
                                      "[GPU quotas](../ops/gpu%20quotas.md#asking) explains.\n\n"
                                      "See [the vendor docs](https://example.com/setup.md) and [this page](setup.md).\n\n"
                                      "The [operations pages](/ops/) and [on-call](/ops/oncall/#pages) say who to call.\n")
    write(tmp_path, "ops/_index.md", "# Operations\n\nHow the platform team runs the clusters.\n")
    write(tmp_path, "ops/gpu quotas.md", "# GPU quotas\n\nEach team may hold eight GPUs; ask in the ops channel.\n")
    write(tmp_path, "ops/oncall.md", "# On-call\n\nPages go to the on-call engineer; see [quotas](<gpu quotas.md>).\n")
    assistant = Assistant.load(tmp_path)
    setup = assistant.reply("how do I install the cluster agent?")
    assert setup.title == "Cluster setup" and {"GPU quotas", "Operations", "On-call"} <= set(setup.related), setup.related
    quotas = assistant.reply("how many GPUs may a team hold?")
    assert quotas.title == "GPU quotas" and {"Cluster setup", "On-call"} <= set(quotas.related), quotas.related
    assert assistant.topics(limit=1) == ["GPU quotas"]  # linked to twice


@pytest.mark.parametrize(("question", "title"), [
    ("如何部署模型？", "模型部署"),
    ("数据访问权限", "安全"),
    ("データの前処理はどうすればいい？", "データ前処理"),
    ("GPU 비용을 줄이는 방법", "비용 절감"),
    ("comment deployer un modele", "Déploiement des modèles"),  # typed without its accents
    ("how many GPUs can a team hold?", "GPU quotas"),
])
def test_notes_in_other_languages_are_searched(tmp_path: Path, question: str, title: str) -> None:
    """Chinese, Japanese and Korean have no spaces between words, and the tokenizer read
    only ASCII: notes in them could not be found at all. French lost every accented
    letter's word ("déploiement" was "d" and "ploiement")."""
    write(tmp_path, "zh.md", "# 模型部署\n\n使用 GPU 集群部署模型。整个过程大约需要十分钟。\n\n"
                             "## 安全\n\n加密敏感数据，并限制对存储桶的访问权限。\n")
    write(tmp_path, "ja.md", "# データ前処理\n\nクラウドでデータを分析する前に、欠損値を取り除き、形式を揃えてください。\n")
    write(tmp_path, "ko.md", "# 비용 절감\n\n스팟 인스턴스를 사용하면 GPU 학습 비용을 크게 줄일 수 있습니다.\n")
    write(tmp_path, "fr.md", "# Déploiement des modèles\n\nPour déployer un modèle, créez un point de terminaison sur le cluster GPU.\n")
    write(tmp_path, "en.md", "# GPU quotas\n\nEach team may hold eight GPUs at once.\n")
    assistant = Assistant.load(tmp_path)
    reply = assistant.reply(question)
    assert reply.title == title, (question, reply.title)
    assert assistant.reply("巧克力蛋糕的做法").no_match  # a chocolate cake recipe: nothing here says so


def test_help_and_topics_are_generated_from_catalog_and_knowledge(bundled: Assistant) -> None:
    help_reply = bundled.reply("help")
    assert help_reply.intent == "help"
    for intent in bundled.catalog.intents:
        if not intent.answer and intent.examples:  # every kind of question it can answer; it gives no prices
            assert (intent.title in help_reply.body) == (intent.id != "pricing"), intent.title
    topics = bundled.reply("topics")
    assert topics.intent == "topics"
    for doc in bundled.kb.documents:
        assert doc.title in topics.body
    assert bundled.reply("hello").intent == "greeting"


@pytest.mark.parametrize(("said", "title"), [("hi", "Hello"), ("good morning cloudai", "Hello"),
                                             ("thanks!", "You're welcome"), ("great, thanks a lot!", "You're welcome"),
                                             ("many thanks", "You're welcome")])
def test_a_thank_you_is_answered_as_one(bundled: Assistant, said: str, title: str) -> None:
    reply = bundled.reply(said)
    assert reply.intent == "greeting" and reply.title == title
    assert ("Glad it helped" in reply.body) == (title == "You're welcome")


def test_a_heading_that_names_nothing_is_never_suggested(tmp_path: Path) -> None:
    """A heading of only small words ("for", an API page's "Q&A") matched inside any word
    ("terraform"), and was offered first."""
    (tmp_path / "algorithms.md").write_text("# Algorithms\n\n## for\n\nLoops over records.\n\n"
                                            "## Q&A\n\nAsk in the channel.\n\n## Tabular data\n\nXGBoost.\n",
                                            encoding="utf-8")
    suggestions = Assistant.load(tmp_path).suggest("terraform for tabular data")
    assert "for" not in suggestions and "Q&A" not in suggestions and "Tabular data" in suggestions, suggestions


DOCS_SITE = {
    "abbreviations.md": "# Abbreviations\n\nThe abbreviations extension defines terms once and shows their expansion "
                        "when a reader hovers over them.\n",
    "admonitions.md": "# Admonitions\n\nAdmonitions are call-out boxes such as notes, tips and warnings. Start one "
                      "with `!!! note` and indent its content.\n",
    "captions.md": "# Captions\n\nThe caption extension adds a caption under an image or a table. Figure captions "
                   "get a prefix with an automatically incremented number.\n",
    "highlight.md": "# Line numbers\n\nCode blocks can show line numbers in a gutter beside the code. With the "
                    "`table` style the gutter is a separate cell, so selecting the code to copy it leaves the line "
                    "numbers out.\n",
    "changelog.md": "# Changelog\n\n## 10.21.2\n\n- Fix: emoji index loading.\n\n## 10.20.1\n\n"
                    "- Fix: caption numbering.\n",
    "style.md": "# The code style\n\nHow code blocks are styled.\n",
    "style-guide.md": "# The Code Style\n\nThe style guide for contributors.\n",
}


def docs_site(root: Path) -> Assistant:
    for name, text in DOCS_SITE.items():
        write(root, name, text)
    return Assistant.load(root)


def test_a_declined_paraphrase_is_offered_the_section_that_came_closest(tmp_path: Path) -> None:
    """A paraphrase in other words than the docs' ("counters in the margin") is declined,
    with the section that answers it ranked first: the reply offers that section, not the
    titles that look like the question (none did) or the knowledge's main topics. An
    off-topic question, which holds no word key to the docs, is offered the main topics."""
    assistant = docs_site(tmp_path)
    reply = assistant.reply("when visitors copy a programming sample, the counters in the left margin get copied "
                            "along with it. Can I avoid that?")
    assert reply.no_match and reply.suggestions[0] == "Line numbers", reply.suggestions
    assert not assistant.reply(reply.suggestions[0]).no_match  # the button answers
    reply = assistant.reply("what's a good recipe for banana bread?")
    assert reply.no_match and list(reply.suggestions) == assistant.topics(limit=3), reply.suggestions
    assert "Line numbers" not in reply.suggestions


def test_suggestions_are_named_in_words_and_never_twice(tmp_path: Path) -> None:
    """A release's heading ("10.21.2") looked like "Figure 1, Figure 2" to the fuzzy match
    and was offered first; two pages titled alike but for case were two buttons."""
    assistant = docs_site(tmp_path)
    suggested = assistant.suggest("labelled Figure 1, Figure 2 and so on without counting by hand", limit=5)
    assert not any(re.fullmatch(r"[\d.]+", label) for label in suggested), suggested
    topics = [t.casefold() for t in assistant.topics()]
    assert topics.count("the code style") == 1, topics


def test_help_offers_only_what_this_knowledge_answers(tmp_path: Path) -> None:
    """A team's notes that answer none of the catalog's cloud + AI examples: help offers
    their own topics instead of questions they would decline."""
    (tmp_path / "kafka.md").write_text("# Kafka retention\n\nTopics keep messages for seven days unless "
                                       "retention.ms says otherwise.\n", encoding="utf-8")
    (tmp_path / "oncall.md").write_text("# On-call rota\n\nThe on-call engineer answers pages within fifteen "
                                        "minutes.\n", encoding="utf-8")
    assistant = Assistant.load(tmp_path)
    body = assistant.reply("help").body
    assert "“Kafka retention”" in body and "“On-call rota”" in body, body
    for intent in assistant.catalog.intents:
        if not intent.answer and intent.examples:
            assert intent.examples[0] not in body and assistant.reply(intent.examples[0]).no_match


def test_help_offers_a_kind_of_question_only_when_a_section_of_that_kind_answers_it(tmp_path: Path) -> None:
    """Kubeflow's docs "answered" the catalog's market example ("how big is the cloud AI
    market?") with "Google Cloud AI Platform Pipelines", and help offered market figures.
    An example counts only when a section the intent looks for answers it."""
    (tmp_path / "pipelines.md").write_text("# Cloud AI Platform Pipelines\n\nInstall the pipelines from the cloud "
                                           "marketplace: the AI platform sets up a market-ready cluster.\n",
                                           encoding="utf-8")
    (tmp_path / "practices.md").write_text("# Best practices\n\nPin every image to a digest and keep pipelines "
                                           "small.\n", encoding="utf-8")
    assistant = Assistant.load(tmp_path)
    assert not assistant.reply("how big is the cloud AI market?").no_match  # answered, by a page of another kind
    body = assistant.reply("help").body
    assert "“best practices”" in body and "market" not in body.lower(), body
    (tmp_path / "market.md").write_text("# Cloud AI market size\n\nThe cloud AI market was worth $44.97 billion "
                                        "in 2022.\n", encoding="utf-8")
    assert "“how big is the cloud AI market?”" in Assistant.load(tmp_path).reply("help").body


@pytest.mark.parametrize("question", ["", "   ", "\x00\x07\x1b[31m", "?" * 10, "cloud " * 2000, "a" * 10_000])
def test_strange_input_gets_a_sensible_reply(bundled: Assistant, question: str) -> None:
    reply = bundled.reply(question)
    assert isinstance(reply, Reply)
    assert reply.title and reply.body
    assert len(reply.body) <= BODY_LIMIT + 200


def test_replies_are_chat_sized_with_related_topics(bundled: Assistant) -> None:
    for question in ["best practices", "trends", "healthcare", "market figures", "security", "what is cloud computing"]:
        reply = bundled.reply(question)
        assert len(reply.body) <= BODY_LIMIT + 100, question
        assert reply.related, question
        assert "Related" not in reply.related
        assert reply.title not in reply.related


def test_answer_spanning_documents_cites_each(seeds_assistant: Assistant) -> None:
    reply = seeds_assistant.reply("healthcare")
    docs = {s.path for s in reply.sources}
    assert len(docs) >= 2
    for source in reply.sources:
        assert source.label in reply.body


def test_wiki_links_feed_related_topics(seeds_assistant: Assistant) -> None:
    reply = seeds_assistant.reply("hyper-personalized experiences")
    assert reply.sources[0].path == "The Future of Big Data AI and Cloud.md"
    assert "Cloud Computing The Powerhouse for AI and ML" in reply.related


def test_suggestions_find_titles_despite_typos(bundled: Assistant) -> None:
    assert any("Trends" in s for s in bundled.suggest("key trnds"))


def test_a_suggestion_is_offered_once_however_it_is_spelled(bundled: Assistant) -> None:
    """The alias "what is cloud computing" and the heading "What Is Cloud Computing?" are
    one topic: "Did you mean" lists it once."""
    suggestions = bundled.suggest("what is cloud computing", limit=5)
    spelled = [re.sub(r"[^a-z0-9]+", " ", s.lower()).strip() for s in suggestions]
    assert len(spelled) == len(set(spelled)), suggestions
    assert "what is cloud computing" in spelled, suggestions


@pytest.mark.parametrize(("question", "offered", "not_offered"), [
    ("what's new", None, "What Is Artificial Intelligence?"),
    ("how to avoid bias", "bias mitigation", "How Cloud Computing Powers AI and ML"),
    ("https://example.com/foo", None, "XAI"),
])
def test_did_you_mean_looks_at_what_was_asked_not_at_how(bundled: Assistant, question: str, offered: str | None,
                                                         not_offered: str) -> None:
    """Suggestions come from the question's content words: "what's new" offered every title
    starting "What is", and a web address "XAI" (60 was the cutoff then, now 75)."""
    suggestions = bundled.suggest(question)
    assert not_offered not in suggestions, suggestions
    if offered:
        assert offered in suggestions, suggestions


def test_everyday_verbs_find_the_words_the_docs_use(seeds_assistant: Assistant) -> None:
    """"pick" is not in the documents, "choose"/"evaluate providers" is: still an answer."""
    reply = seeds_assistant.reply("how should I pick a cloud provider")
    assert not reply.no_match
    assert "Evaluate providers" in reply.body
