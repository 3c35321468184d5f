"""`Assistant.reply(text) -> Reply`: the one call every platform makes.

It never raises for anything a user can type: empty, huge or garbled questions get a
helpful reply. Help, greeting and the topics list are generated from the intent catalog
and the loaded knowledge, not hand-written.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path

from rapidfuzz import fuzz, process, utils

from .compose import one_example, shorten, without_dangling_intro
from .intents import Intent, IntentCatalog
from .knowledge import BUNDLED_KNOWLEDGE, KnowledgeBase, bundled
from .markdown import HARD_BREAK, strip_markup
from .models import Hit, Reply, Section, Source
from .retriever import Retriever, SearchResult, clean_question
from .sections import is_navigation, is_version_heading, next_passage
from .text import content_words, terms
from .wording import counted

DEFAULT_CATALOG = bundled("config") / "intents.yaml"
BODY_LIMIT = 1500  # characters in one reply's body: chat-sized
log = logging.getLogger("cloudai.answers")
MAX_PARTS = 3  # sections combined in one answer
SECOND_PART_RATIO = 0.55  # another document's section joins the answer above this share of the best score
MAX_RELATED = 5
TOPIC_QUESTIONS = 10  # the knowledge's own best-linked topics tried as questions to suggest
SUGGESTIONS = 3  # topics a no-match reply offers ("did you mean")
_WORD = re.compile(r"[^\W\d_]{2}")  # two letters: a label that names something in words
SUGGESTION_CUTOFF = 75  # WRatio of a label to the question's content words: 60 let "XAI" match every URL
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")
_THANKS = re.compile(r"\b(?:thanks|thank you|thx|ty|cheers)\b", re.IGNORECASE)  # a greeting that says thank you
CUT_LABEL_MIN = 80  # a button label this long may have been cut by the platform: completed if it begins one
TOPIC_SEPARATOR = " › "  # between a parent's heading and a child's in a topic label ("Cookies › Recap")
SAME_SENTENCE = 0.7  # share of the shorter sentence's terms found in another: the two say the same
# ...or, for long sentences, this share when they have at least SAME_TERMS terms in common: a
# reworded fact keeps its nouns and changes the words around them ("catalog of pre-trained
# models for everyday jobs, among them speech recognition…" / "selection of pre-trained models
# … covering speech recognition…": 11 of 16 terms). Set by hand, reading what each drops
# (the dev sets score the first block only): 0.65 alone dropped distinct short sentences
SAME_SHARE_LONG, SAME_TERMS = 0.5, 6


def sentences(markdown: str, terms_of: Callable[[str], list[str]] = terms) -> list[str]:
    """The sentences (and list items) of some Markdown as their index terms (stemmed, stop
    words dropped), for comparing what two texts say; fragments of fewer than three terms
    are left out. `terms_of`: a knowledge base's analyser's, which knows its words' terms already."""
    out = []
    for piece in _SENTENCE_SPLIT.split(strip_markup(markdown)):
        found = terms_of(piece)
        if len(found) >= 3:
            out.append(" ".join(found))
    return out


def repeats(sentence: str, shown: set[str]) -> bool:
    """Does `sentence` say what one of `shown` already says? Two sentences say the same when
    most of the shorter one's terms are in the other: a fact reworded in a second document
    ("a cloud service model that lets organizations deploy AI models…" / "a service model
    that lets organizations deploy AI models…") is still the same fact."""
    if sentence in shown:
        return True
    mine = set(sentence.split())
    for other in shown:
        theirs = set(other.split())
        common, shorter = len(mine & theirs), min(len(mine), len(theirs))
        if common >= SAME_SENTENCE * shorter or (common >= SAME_TERMS and common >= SAME_SHARE_LONG * shorter):
            return True
    return False


def says_nothing_new(own: list[str], shown: set[str]) -> bool:
    """Does a sentence of a block (`own`, as `sentences` gives them) restate what is shown,
    most of its terms being among those of the sentences shown taken together? A summary
    line in a second document ("Edge computing: processing data near its source for
    faster insights and lower latency") restates what the first block said over two
    sentences, sharing too few terms with either one alone for `repeats`."""
    if not own or not shown:
        return False
    seen = {term for sentence in shown for term in sentence.split()}
    return any(len(mine & seen) >= SAME_SENTENCE * len(mine) for mine in (set(sentence.split()) for sentence in own))


def section_body(sections: list[Section], sec: Section, then: Section | None = None) -> str:
    """One section of `sections` (the knowledge's) as a reply's body (and `then`, the section
    it introduces, after it): shortened to BODY_LIMIT, saying where the rest is, as it does
    when what it shows is a passage the section goes on after: the first rows of a long
    table read as the whole of it."""
    text = one_example(sec.text)
    if then is not None:
        label = f"**{then.heading}**{HARD_BREAK}" if then.heading and then.heading != sec.heading else ""
        text = f"{text}\n\n{label}{one_example(then.text)}"
    body, cut = shorten(text, BODY_LIMIT)
    body = body if cut else without_dangling_intro(body)
    continued = next_passage(sections, then or sec) is not None
    return body + f"\n\n_More in {source_of(sec).label}._" if cut or continued else body


class Assistant:
    """Answers questions from one knowledge base with one intent catalog."""

    def __init__(self, kb: KnowledgeBase, catalog: IntentCatalog, catalog_path: Path | None = None) -> None:
        self.kb = kb
        self.catalog = catalog
        self.catalog_path = catalog_path  # where the catalog was read from: what a reload reads again
        self.retriever = Retriever(kb, catalog)

    @classmethod
    def load(cls, knowledge_dir: Path | None = None, catalog_path: Path | None = None,
             previous: "Assistant | None" = None) -> "Assistant":
        """Load a knowledge folder and an intent catalog; `previous` makes it a reload (see
        KnowledgeBase.load)."""
        kb = KnowledgeBase.load(knowledge_dir or BUNDLED_KNOWLEDGE, previous.kb if previous is not None else None)
        path = catalog_path or DEFAULT_CATALOG
        return cls(kb, IntentCatalog.load(path), path)

    # -- public ------------------------------------------------------------------------

    def reply(self, text: str) -> Reply:
        question = clean_question(text)
        if not question:
            return self._help(question, empty=True)
        result = self.retriever.search(question, top=5)
        intent = result.query.intent.intent
        if intent is not None and intent.answer == "help":
            return self._help(question)
        if intent is not None and intent.answer == "greeting":
            return self._greeting(question)
        if intent is not None and intent.answer == "topics":
            return self._topics_reply(question)
        if TOPIC_SEPARATOR in question and (named := self._topic_reply(question, result)) is not None:
            return named  # a "Parent › Heading" topic, typed (a plain heading is a question: it may span documents)
        if not result.hits:
            return self._no_match(question, result)
        return self._answer(question, result)

    def reply_to_topic(self, label: str) -> Reply:
        """The reply to a related-topic or "did you mean" button: the section its label names
        (`topic_label`), whatever else the label's words would rank first; a label that names
        no one section is asked as a question. Asked as a question, "Recap" was answered by
        another page's recap, and a heading of everyday words ("What you get") was declined.
        (`reply` does the same for a "Parent › Heading" label typed: `cloudai chat` lists
        them as text.)"""
        asked = clean_question(label)
        return self._topic_reply(asked) or self._topic_reply(self._completed(asked)) or self.reply(label)

    def topic_label(self, sec: Section) -> str:
        """What a button offers `sec` as: its heading (a document's intro: the title), or
        "Parent › Heading" when another section goes by the same heading, or when the heading
        is a version or a date ("Release Notes › 0.8.1": a button "0.8.1" said nothing)."""
        label = sec.heading or sec.doc.title
        if not sec.heading or (len(self._named.get(_label_key(label), [])) <= 1 and not is_version_heading(label)):
            return label
        return self._qualified(sec)

    def _qualified(self, sec: Section) -> str:
        """`sec`'s heading under the name of what it is under: "Cookies › Recap"."""
        return f"{self._above(sec)}{TOPIC_SEPARATOR}{sec.heading}"

    def _above(self, sec: Section) -> str:
        """The name of what `sec` is under: its parent's heading, else its document's title."""
        parent = self.kb.sections[sec.parent] if sec.parent is not None else None
        return (parent.heading or parent.doc.title) if parent is not None else sec.doc.title

    def answers(self, question: str) -> bool:
        """Whether the knowledge answers `question` (with sources): worth suggesting."""
        reply = self.reply(question)
        return not reply.no_match and bool(reply.sources)

    def offers(self, question: str) -> bool:
        """Whether a catalog example is worth offering (help, the digest's "try asking"): the
        knowledge answers it, with a section of the kind it asks for ("how big is the cloud
        AI market?" asked of Kubeflow's docs is answered by "Google Cloud AI Platform
        Pipelines": no promise of market figures)."""
        return self.answers(question) and self.retriever.answers_as_asked(question)

    @functools.cached_property
    def _promised(self) -> list[tuple[Intent, str]]:
        """The catalog's kinds of question with an example this knowledge answers: what help
        can offer (the catalog's examples are cloud + AI questions; a team's notes may answer
        none, or answer one with a section of another kind: `offers`). Worked out once: a
        reload makes a new Assistant."""
        return [(intent, intent.examples[0]) for intent in self.catalog.intents
                if not intent.answer and intent.examples and self.offers(intent.examples[0])]

    @functools.cached_property
    def answered_topics(self) -> list[str]:
        """The knowledge's own topics (best linked first) that it answers as questions: what
        help and the digest suggest for notes that answer none of the catalog's examples.
        Worked out once, like `_promised`."""
        return [title for title in self.topics(limit=TOPIC_QUESTIONS) if self.answers(title)]

    def topics(self, limit: int = 25) -> list[str]:
        """Document titles, most linked-to first: what this knowledge is about."""
        inbound = Counter(t.path for d in self.kb.documents for link in d.links
                          if (t := self.kb.resolve(link)) is not None and t is not d)
        docs = sorted(self.kb.documents, key=lambda d: (-inbound[d.path], d.title.lower()))
        return _distinct((d.title for d in docs), limit)

    def suggest(self, text: str, limit: int = SUGGESTIONS) -> list[str]:
        """Titles and headings that look like `text` ("did you mean"), best first. They are
        compared with the question's content words: "what's new" matched every title that
        starts "What is", and "how to avoid bias" the headings that start "How"."""
        question = clean_question(text)
        asked = " ".join(content_words(question)) or question
        if len(asked) < 3:
            return []
        found = process.extract(asked, self._labels, scorer=fuzz.WRatio, processor=utils.default_process,
                                limit=limit, score_cutoff=SUGGESTION_CUTOFF)
        return [label for label, _, _ in found]

    def _closest(self, question: str, result: SearchResult, limit: int = SUGGESTIONS) -> list[str]:
        """What a declined question is offered instead: first the sections the ranking put
        first that came close to answering (`SearchResult.near`: a paraphrase in other words
        than the documents' is often declined with its answer among them), then titles and
        headings that look like it (`suggest`: a misspelt name)."""
        labels = [self.topic_label(self.kb.sections[sid]) for sid in result.near]
        labels += self.suggest(question, limit)
        return _distinct(labels, limit)

    # -- replies -----------------------------------------------------------------------

    def _completed(self, label: str) -> str:
        """The one topic label that a long `label` begins, else "": a platform may cut what a
        button sends (Discord keeps 86 characters of it)."""
        key = _label_key(label)
        if len(key) < CUT_LABEL_MIN:
            return ""
        found = [ids for named, ids in self._named.items() if named.startswith(key)]
        return self.topic_label(self.kb.sections[found[0][0]]) if len(found) == 1 and len(found[0]) == 1 else ""

    def _topic_reply(self, label: str, result: SearchResult | None = None) -> Reply | None:
        """The answer from the one section `label` names (see `topic_label`), or None.
        `result`: the label's search, if done (what its words find: the related topics)."""
        found = self._named.get(_label_key(label), []) if label else []
        if len(found) != 1:
            return None
        sec = self.kb.sections[found[0]]
        result = result or self.retriever.search(label, top=5)
        best = result.hits[0].score if result.hits else 1.0
        hits = [Hit(sec, best), *(h for h in result.hits if h.section.id != sec.id)]
        return self._answer(label, dataclasses.replace(result, hits=hits, overview=True))

    @functools.cached_property
    def _named(self) -> dict[str, list[int]]:
        """Section ids by the labels buttons offer (`topic_label`), both plain and "Parent ›
        Heading" forms. Worked out on the first answer, not at start-up."""
        named: dict[str, list[int]] = {}
        for sec in self.kb.sections:
            if sec.kind == "passage":  # a long section's later part goes by its section's name
                continue
            named.setdefault(_label_key(sec.heading or sec.doc.title), []).append(sec.id)
            if sec.heading:
                named.setdefault(_label_key(self._qualified(sec)), []).append(sec.id)
        return named

    def _answer(self, question: str, result: SearchResult) -> Reply:
        hits = result.hits
        parts = self._parts(result)  # the best-ranked block first: it titles the reply
        top = parts[0].section
        title = self.topic_label(top)  # "Warm pools › How it works": a heading other sections share says little alone
        sources = tuple(source_of(h.section) for h in parts)
        if len(parts) == 1:
            then = self._introduced(top)
            body = section_body(self.kb.sections, top, then)
            if then is not None:
                sources += (source_of(then),)
        else:
            budget = BODY_LIMIT // len(parts) - 40
            body = "\n\n".join(("" if s.label == title else f"**{s.label}**{HARD_BREAK}")  # the title is not said twice
                                + without_dangling_intro(shorten(one_example(h.section.text), budget)[0])
                                for s, h in zip(sources, parts))
        corrections = result.query.corrections
        if corrections:
            fixed = ", ".join(f"{typed} → {word}" for typed, word in dict.fromkeys(corrections))
            body = f"_(read as: {fixed})_\n\n{body}"
        return Reply(
            title=title,
            body=body,
            sources=sources,
            related=tuple(self._related(parts, hits)),
            intent=result.query.intent.id,
            question=question,
            top_score=hits[0].score,
        )

    def _parts(self, result: SearchResult) -> list[Hit]:
        """The best section, and up to MAX_PARTS - 1 more from other documents that answer
        the question by themselves: nearly as well scored, holding every question word the
        best one holds (one that shares a word or two answers another question: "GPU
        costs" is not answered by a block on costs without GPUs), and saying nothing
        already shown (sentence by sentence, so the same fact copied into two documents
        is shown once)."""
        hits = result.hits
        parts = [hits[0]]
        if result.overview or result.defines:  # an overview answers alone (its list of children is the
            return parts  # answer), and so does a definition of the term a "what is X" question asks about
        terms_of = self.kb.index.analyser.terms
        shown = set(sentences(hits[0].section.text, terms_of))
        asked = result.holds.get(hits[0].section.id, frozenset())
        for hit in hits[1:]:
            if len(parts) >= MAX_PARTS:
                break
            sec = hit.section
            if (hit.score < SECOND_PART_RATIO * hits[0].score
                    or not asked <= result.holds.get(sec.id, frozenset())
                    or any(sec.doc is p.section.doc for p in parts)):
                continue
            own = sentences(sec.text, terms_of)
            if any(repeats(sentence, shown) for sentence in own) or says_nothing_new(own, shown):
                continue
            parts.append(hit)
            shown.update(own)
        return parts

    def _introduced(self, sec: Section) -> Section | None:
        """The section that `sec` introduces, when it ends on a colon ("… for serving files in
        a given directory:") and the document goes on: without it the answer would stop there."""
        if not sec.text.rstrip().endswith(":") or sec.id + 1 >= len(self.kb.sections):
            return None
        following = self.kb.sections[sec.id + 1]
        return following if following.doc is sec.doc else None

    def _related(self, parts: list[Hit], hits: list[Hit]) -> list[str]:
        """Topics to ask next: other good hits, the answer's linked documents, its sub-headings."""
        used = {p.section.id for p in parts}
        shown = {(p.section.heading or p.section.doc.title).lower() for p in parts}
        out: list[str] = []

        def add(name: str, label: str) -> None:  # a topic named like one shown is not offered
            name = name.strip()
            if name and not is_navigation(name) and name.lower() not in shown:
                out.append(label.strip())

        for hit in hits:
            if hit.section.id not in used and hit.section.kind != "passage":
                add(hit.section.heading or hit.section.doc.title, self.topic_label(hit.section))
        top = parts[0].section
        for doc in self.kb.related(top.doc):
            add(doc.title, doc.title)
        for cid in top.children:
            add(self.kb.sections[cid].heading, self.topic_label(self.kb.sections[cid]))
        return _distinct(out, MAX_RELATED)

    def _no_match(self, question: str, result: SearchResult) -> Reply:
        suggestions = self._closest(question, result) or self.topics(limit=SUGGESTIONS)
        asked = strip_markup(question)
        if len(asked) > 80:
            asked = asked[:77].rsplit(" ", 1)[0] + "…"
        unknown = [w for w in result.query.words if not w.known]
        names = list(dict.fromkeys(_as_typed(w.word, question) for w in unknown if w.name))  # what declining weighs most
        why = ""
        if unknown and len(unknown) == len(result.query.words):
            why = " None of its words appear in the knowledge base."
        elif names:  # "MLaaS" in "the difference between AIaaS and MLaaS?"
            why = f" Nothing in it mentions {' or '.join(f'“{name}”' for name in names[:3])}."
        elif result.lacks:  # what a GPU costs an hour, asked of docs that give no prices
            why = f" The sections that match it give no {result.lacks}."
        body = (
            f"I couldn't find a confident answer to “{asked}” in the knowledge base.{why}\n\n"
            "Try one of the topics below, rephrase with the words your docs use, or ask `help`."
        )
        return Reply(
            title="No confident answer",
            body=body,
            intent=result.query.intent.id,
            no_match=True,
            suggestions=tuple(suggestions),
            question=question,
        )

    def _help(self, question: str, empty: bool = False) -> Reply:
        lines = []
        if empty:
            lines.append("Ask me a question about the knowledge base, for example:")
        else:
            lines.append("I answer questions from this team's knowledge base. You can ask about:")
        for intent, example in self._promised:
            lines.append(f"- **{intent.title}** ({intent.description}): “{example}”")
        own = [] if self._promised else self.answered_topics
        if own:  # a team's own notes, which answer none of the catalog's examples
            lines.append("- **This knowledge's own topics**: " + ", ".join(f"“{title}”" for title in own[:3]))
        lines.append("")
        lines.append(f"I know {counted(len(self.kb.documents), 'document')}. Ask `topics` to list them.")
        return Reply(
            title="How to use cloudai",
            body="\n".join(lines),
            related=tuple(self.topics(limit=MAX_RELATED)),
            intent="help",
            question=question,
        )

    def _greeting(self, question: str) -> Reply:
        """Hello back, with what to ask; a thank-you gets "you're welcome", not a hello."""
        topics = self.topics(limit=3)
        if _THANKS.search(question):
            return Reply(title="You're welcome", body="Glad it helped. Ask me anything else, or say `help`.",
                         related=tuple(topics), intent="greeting", question=question)
        body = (
            "Hi! I answer questions from the knowledge base"
            + (f", on topics such as {', '.join(topics)}" if topics else "")
            + ". Ask me anything, or say `help`."
        )
        return Reply(title="Hello", body=body, related=tuple(topics), intent="greeting", question=question)

    def _topics_reply(self, question: str) -> Reply:
        docs = {d.title: d for d in self.kb.documents}
        titles = self.topics(limit=40)
        lines = []
        for t in titles:
            desc = docs[t].description
            lines.append(f"- **{t}**" + (f": {shorten(desc, 110)[0]}" if desc else ""))
        body, cut = shorten("\n".join(lines), BODY_LIMIT)
        if cut or len(self.kb.documents) > len(titles):
            body += f"\n\n_{counted(len(self.kb.documents), 'document')} in all._"
        return Reply(title="Topics", body=body, related=tuple(titles[:MAX_RELATED]), intent="topics",
                     question=question)

    @functools.cached_property
    def _labels(self) -> list[str]:
        """Titles, aliases and top headings, each once as `suggest` compares them (case and
        punctuation aside: the alias "what is cloud computing" and the heading "What Is
        Cloud Computing?" are one suggestion). Worked out on the first "did you mean", not at
        start-up: ~60 ms on sagemaker that an answered question never needs."""
        labels: dict[str, str] = {}
        candidates = [label for doc in self.kb.documents for label in (doc.title, *doc.aliases)]
        candidates += [sec.heading for sec in self.kb.sections
                       if sec.kind == "heading" and sec.depth <= 2 and not is_navigation(sec.heading)]
        for label in candidates:
            # a heading such as "for" or "Q&A" names nothing to ask about, nor a release's "10.21.2":
            # the digits of "Figure 1, Figure 2" looked like it
            if content_words(label) and _WORD.search(label):
                labels.setdefault(utils.default_process(label), label)
        return list(labels.values())


def _as_typed(word: str, question: str) -> str:
    """`word` (read in lower case) as the question spells it: "MLaaS", not "mlaas"."""
    found = re.search(rf"(?<!\w){re.escape(word)}(?!\w)", question, re.IGNORECASE)
    return found.group(0) if found else word


def _distinct(labels: Iterable[str], limit: int) -> list[str]:
    """The first `limit` of `labels`, one of those that differ only in case or spacing (two
    pages titled "The Black code style" and "The Black Code Style" are one button)."""
    kept: dict[str, str] = {}
    for label in labels:
        if len(kept) >= limit:
            break
        kept.setdefault(_label_key(label), label)
    return list(kept.values())


def _label_key(label: str) -> str:
    return " ".join(label.split()).casefold()


def source_of(sec: Section) -> Source:
    """Where a section is, as replies cite it."""
    return Source(title=sec.doc.title, heading_path=sec.heading_path, path=sec.doc.path, anchor=sec.anchor)
