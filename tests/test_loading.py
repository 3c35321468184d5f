"""Loading a knowledge folder: frontmatter, bad files, Markdown cleaning and sections.

Everything here runs on real files written to pytest's tmp_path (and, when present, on
the real corpora in ../shared/corpora); nothing under test is mocked.
"""

from __future__ import annotations

import os
import re
import statistics
import tomllib
from pathlib import Path

import pytest

from bot.assistant import DEFAULT_CATALOG, Assistant
from bot.intents import IntentCatalog
from bot.knowledge import KnowledgeBase
from bot.loader import KnowledgeError, load_folder
from bot.models import WikiLink
from bot.render import plain_text
from bot.terminal import render as terminal_render

from .conftest import corpus, write

GOOD = "# Good Document\n\nThis document loads fine and talks about clusters.\n"




def load_one(tmp_path: Path, text: str, name: str = "doc.md") -> KnowledgeBase:
    write(tmp_path, name, text)
    return KnowledgeBase.load(tmp_path)


def doc_by_path(kb: KnowledgeBase, path: str):
    return next(d for d in kb.documents if d.path == path)


def all_text(kb: KnowledgeBase) -> str:
    return "\n\n".join(s.text for s in kb.sections)


# --- frontmatter and titles -----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("yaml.md", (
            "---\n"
            "title: Scaling Notebooks\n"
            "description: How notebooks scale on the cloud\n"
            "tags: [gpu, notebooks]\n"
            "aliases: [notebook scaling, scale notebooks]\n"
            "date: 2024-05-01\n"
            "---\n\n"
            "# A Different Heading\n\nNotebook servers scale with demand.\n"
        ), ("Scaling Notebooks", "How notebooks scale on the cloud", ("gpu", "notebooks"),
            ("notebook scaling", "scale notebooks"), "2024-05-01")),
        ("toml.md", (
            "+++\n"
            'title = "Pipelines Overview"\n'
            'description = "What pipelines are"\n'
            'tags = ["pipelines", "kfp"]\n'
            'aliases = ["/docs/pipelines/old/"]\n'
            "date = 2023-01-02T10:00:00Z\n"
            "weight = 10\n"
            "+++\n\n"
            "Pipelines run containerized steps.\n"
        ), ("Pipelines Overview", "What pipelines are", ("pipelines", "kfp"), ("/docs/pipelines/old/",),
            "2023-01-02")),
        ("json.md", (  # Hugo's third kind
            '{\n  "title": "GPU Quotas",\n  "description": "Who gets how many GPUs",\n  "tags": ["gpu", "quota"],\n'
            '  "aliases": ["/quotas/"],\n  "date": "2024-06-01T09:00:00Z",\n  "params": {"weight": 3}\n}\n\n'
            "Each team gets eight GPUs.\n"
        ), ("GPU Quotas", "Who gets how many GPUs", ("gpu", "quota"), ("/quotas/",), "2024-06-01")),
        ("pelican.md", (  # MultiMarkdown's metadata: MkDocs reads it, Pelican's posts are written so
            "Title: Moving Inference to the Edge\nDate: 2024-07-02 10:20\nTags: edge, inference\n"
            "Summary: Why we serve small models on site\n\nLatency fell when models moved next to the cameras.\n"
        ), ("Moving Inference to the Edge", "Why we serve small models on site", ("edge", "inference"), (),
            "2024-07-02")),
    ],
)
def test_frontmatter_fields_are_read(tmp_path: Path, name: str, text: str,
                                     expected: tuple[str, str, tuple[str, ...], tuple[str, ...], str]) -> None:
    """YAML (`---`), TOML (`+++`) and JSON frontmatter, and MultiMarkdown's `Title:` lines,
    give the same document fields, and none of it is left in the page's text."""
    write(tmp_path, name, text)
    doc = load_folder(tmp_path).files[0].document
    assert (doc.title, doc.description, doc.tags, doc.aliases, doc.date) == expected
    shown = all_text(KnowledgeBase.load(tmp_path))
    assert all(line not in shown for line in text.splitlines()[:2]) and shown.strip(), shown


def test_a_page_that_only_looks_like_it_has_metadata_is_text(tmp_path: Path) -> None:
    """A page opening with a "{" line that is not JSON, or with `Key: value` lines of which
    none is a title (a note's "Owner: Alice"), keeps every line as text."""
    write(tmp_path, "brace.md", "{\nnot json, a sketch of a config\n}\n\nThe sketch above is draft.\n")
    write(tmp_path, "open.md", "{\nthe brace never closes\n")
    write(tmp_path, "owner.md", "Owner: Alice\nDue: Friday\n\nShip the quota dashboard.\n")
    result = load_folder(tmp_path)
    kb = KnowledgeBase.load(tmp_path)
    bodies = {d.path: "\n\n".join(s.text for s in kb.sections if s.doc is d) for d in kb.documents}
    assert "not json, a sketch of a config" in bodies["brace.md"] and "The sketch above" in bodies["brace.md"]
    assert "the brace never closes" in bodies["open.md"]
    assert "Owner: Alice\nDue: Friday" in bodies["owner.md"]
    assert [(p.path, p.skipped) for p in result.problems] == [("brace.md", False)], result.problems
    assert "no JSON frontmatter" in result.problems[0].reason


def test_publish_date_is_read_as_the_date(tmp_path: Path) -> None:
    write(tmp_path, "post.md", "---\ntitle: A Post\npublish_date: '2024-03-01'\n---\n\nPost body text.\n")
    assert load_folder(tmp_path).files[0].document.date == "2024-03-01"


def test_title_falls_back_to_first_h1(tmp_path: Path) -> None:
    write(tmp_path, "notes.md", "---\ndescription: no title here\n---\n\n# Hybrid Cloud Notes\n\nSome text.\n")
    assert load_folder(tmp_path).files[0].document.title == "Hybrid Cloud Notes"


def test_title_falls_back_to_file_name_with_spaces(tmp_path: Path) -> None:
    write(tmp_path, "The Future of Edge AI.md", "Edge devices run small models close to the data.\n\n### Later\n\nMore.\n")
    kb = KnowledgeBase.load(tmp_path)
    assert [d.title for d in kb.documents] == ["The Future of Edge AI"]
    assert kb.documents[0].path == "The Future of Edge AI.md"
    # The intro section is titled by the file name, too.
    assert kb.sections[0].heading_path == "The Future of Edge AI"


# --- bad files ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("latin.md", b"\xff\xfe\xfa not utf-8", "not UTF-8"),
        ("broken-yaml.md", "---\ntitle: [unclosed\ntags: a: b\n---\n\nBody.\n", "broken frontmatter"),
        ("unclosed.md", "---\ntitle: Never Closed\n\nThe body goes on without a closing line.\n", "never closed"),
        ("empty.md", "", "empty file"),
        ("blank.md", "  \n\n \t\n", "empty file"),
        ("binary.md", b"PK\x03\x04\x00\x00binary\x00data", "binary file"),
    ],
)
def test_bad_file_is_skipped_with_a_reason_and_others_load(tmp_path: Path, name: str, content, reason: str) -> None:
    write(tmp_path, "good.md", GOOD)
    write(tmp_path, name, content)
    result = load_folder(tmp_path)
    assert [f.document.path for f in result.files] == ["good.md"]
    mine = [p for p in result.problems if p.path == name]
    assert len(mine) == 1, result.problems
    assert mine[0].skipped
    assert reason in mine[0].reason


def test_broken_toml_frontmatter_is_skipped(tmp_path: Path) -> None:
    write(tmp_path, "good.md", GOOD)
    write(tmp_path, "bad-toml.md", '+++\ntitle = "unterminated\n+++\n\nBody.\n')
    result = load_folder(tmp_path)
    assert [f.document.path for f in result.files] == ["good.md"]
    assert [(p.path, p.skipped) for p in result.problems] == [("bad-toml.md", True)]
    assert "broken frontmatter" in result.problems[0].reason


def test_symlink_loop_is_skipped(tmp_path: Path) -> None:
    write(tmp_path, "good.md", GOOD)
    os.symlink(tmp_path / "b.md", tmp_path / "a.md")
    os.symlink(tmp_path / "a.md", tmp_path / "b.md")
    result = load_folder(tmp_path)
    assert [f.document.path for f in result.files] == ["good.md"]
    for name in ("a.md", "b.md"):
        mine = [p for p in result.problems if p.path == name]
        assert len(mine) == 1 and mine[0].skipped
        assert "symbolic link loop" in mine[0].reason


def test_broken_symlink_is_skipped(tmp_path: Path) -> None:
    write(tmp_path, "good.md", GOOD)
    os.symlink(tmp_path / "gone.md", tmp_path / "dangling.md")
    result = load_folder(tmp_path)
    assert [f.document.path for f in result.files] == ["good.md"]
    assert [(p.path, p.reason, p.skipped) for p in result.problems] == [("dangling.md", "broken symbolic link", True)]


def test_file_over_the_size_limit_is_skipped(tmp_path: Path) -> None:
    write(tmp_path, "good.md", GOOD)
    write(tmp_path, "huge.md", "# Huge\n\n" + "word " * 400)
    result = load_folder(tmp_path, max_bytes=500)
    assert [f.document.path for f in result.files] == ["good.md"]
    [problem] = result.problems
    assert problem.path == "huge.md" and problem.skipped
    assert "too large" in problem.reason and "limit 500" in problem.reason


def test_directory_symlink_loop_terminates(tmp_path: Path) -> None:
    write(tmp_path, "good.md", GOOD)
    write(tmp_path, "sub/inner.md", "# Inner\n\nInner text about storage.\n")
    os.symlink(tmp_path, tmp_path / "sub" / "back-to-root")
    os.symlink(tmp_path / "sub", tmp_path / "sub" / "self")
    result = load_folder(tmp_path)
    assert [f.document.path for f in result.files] == ["good.md", "sub/inner.md"]
    loops = {p.path for p in result.problems if "loops back" in p.reason}
    assert loops == {"sub/back-to-root", "sub/self"}


def test_knowledge_base_keeps_problems_and_loads_the_rest(tmp_path: Path) -> None:
    write(tmp_path, "good.md", GOOD)
    write(tmp_path, "bad.md", b"\xff\xfe\xfa")
    kb = KnowledgeBase.load(tmp_path)
    assert [d.path for d in kb.documents] == ["good.md"]
    assert [(p.path, p.skipped) for p in kb.problems] == [("bad.md", True)]
    assert "clusters" in all_text(kb)


# --- unusable folders -----------------------------------------------------------------


def test_empty_folder_is_an_error_naming_it(tmp_path: Path) -> None:
    write(tmp_path, "notes.txt", "not markdown")
    with pytest.raises(KnowledgeError) as exc:
        KnowledgeBase.load(tmp_path)
    assert str(tmp_path) in str(exc.value)
    assert "no usable Markdown files" in str(exc.value)


def test_missing_folder_is_an_error_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "does-not-exist"
    with pytest.raises(KnowledgeError) as exc:
        load_folder(missing)
    assert str(missing) in str(exc.value)
    assert "not found" in str(exc.value)


def test_folder_of_only_broken_files_is_an_error_naming_it_and_the_files(tmp_path: Path) -> None:
    write(tmp_path, "bad.md", b"\xff\xfe\xfa")
    write(tmp_path, "empty.md", "")
    with pytest.raises(KnowledgeError) as exc:
        KnowledgeBase.load(tmp_path)
    message = str(exc.value)
    assert str(tmp_path) in message
    assert "bad.md" in message and "empty.md" in message


# --- Markdown cleaning ----------------------------------------------------------------


def test_hugo_shortcodes_are_removed(tmp_path: Path) -> None:
    kb = load_one(tmp_path, (
        "# Shortcodes\n\n"
        'Intro with a figure {{< figure src="arch.png" >}} inline.\n\n'
        '{{% alert title="Note" color="warning" %}}\n'
        "Alerts keep their inner text.\n"
        "{{% /alert %}}\n"
    ))
    text = all_text(kb)
    assert "{{<" not in text and "{{%" not in text and "%}}" not in text and ">}}" not in text
    assert "Intro with a figure  inline." in text
    assert "Alerts keep their inner text." in text


def test_hugo_shortcodes_that_show_text_keep_it(tmp_path: Path) -> None:
    """Kubernetes' docs write terms as glossary tooltips and their standard headings as a
    `heading` shortcode. Cut whole, "a group of one or more {{< glossary_tooltip … >}}, with"
    lost its noun, and `## {{% heading "whatsnext" %}}` was no heading: its links joined the
    section above it. A tab's label and a feature's state show too."""
    kb = load_one(tmp_path, (
        "---\ntitle: Pods\n---\n<!-- overview -->\n"
        'A Pod is a group of one or more {{< glossary_tooltip text="containers" term_id="container" >}}, '
        "with shared storage.\n"
        'Every {{< glossary_tooltip term_id="node" >}} runs a {{< glossary_tooltip term_id="container-runtime" >}} '
        'and {{< glossary_tooltip term_id="kube-proxy" >}}.\n\n'
        '## {{% heading "prerequisites" %}}\n\nYou need a cluster {{< param "version" >}}.\n\n'
        '{{< feature-state for_k8s_version="v1.25" state="stable" >}}\n\n'
        '{{< figure src="/img/pods.svg" caption="Pods share a network namespace" >}}\n\n'
        "## Using Pods\n\nCreate Pods through workload resources such as Deployments.\n\n"
        '{{< tabs name="tab_group" >}}\n{{< tab name="kubectl" >}}\nRun kubectl apply.\n{{< /tab >}}\n{{< /tabs >}}\n\n'
        '## {{% heading "whatsnext" %}}\n\n* Learn about the [lifecycle of a Pod](/docs/pod-lifecycle/).\n'
    ))
    by_heading = {s.heading: s for s in kb.sections}
    assert "a group of one or more containers, with shared storage." in by_heading[""].text
    assert "Every node runs a container runtime and kube-proxy." in by_heading[""].text
    assert by_heading["Before you begin"].text.endswith(
        "You need a cluster .\n\nFeature state: Kubernetes v1.25 [stable]\n\nPods share a network namespace")
    assert "**kubectl**\n\nRun kubectl apply." in by_heading["Using Pods"].text and "tab_group" not in by_heading["Using Pods"].text
    assert "lifecycle" not in by_heading["Using Pods"].text
    assert "lifecycle of a Pod" in by_heading["What's next"].text
    assistant = Assistant(kb, IntentCatalog.load(DEFAULT_CATALOG))
    reply = assistant.reply("how do I create pods?")
    assert reply.title == "Using Pods" and "lifecycle" not in plain_text(reply.body), reply


def test_gitbook_tabs_and_code_blocks_keep_their_titles(tmp_path: Path) -> None:
    """GitBook titles a tab or a code block in its tag (`{% tab title="Python" %}`): the tag
    went with its title, and two tabs' steps read as one run with no language named."""
    kb = load_one(tmp_path, (
        "# Setup\n\n{% hint style=\"warning\" %}\nRequest GPU quota first.\n{% endhint %}\n\n"
        "{% tabs %}\n{% tab title=\"Python\" %}\nInstall the SDK with pip.\n{% endtab %}\n"
        "{% tab title='Node.js' %}\nInstall the SDK with npm.\n{% endtab %}\n{% endtabs %}\n\n"
        "{% code title=\"train.py\" lineNumbers=\"true\" %}\n```python\ntrain()\n```\n{% endcode %}\n"))
    text = all_text(kb)
    assert "Request GPU quota first.\n\n**Python**\n\nInstall the SDK with pip." in text, text
    assert "**Node.js**\n\nInstall the SDK with npm." in text, text
    assert "**train.py**\n\n```python\ntrain()\n```" in text and "{%" not in text, text


def test_code_a_site_marks_with_its_own_tags_is_a_code_block(tmp_path: Path) -> None:
    """Jekyll's `{% highlight %}`, Hugo's `highlight` shortcode and a Hugo tab that names its
    language (Kubernetes' `codelang=`) hold code. Read as prose, a reply joined the script's
    lines into one and lost the TOML's indentation."""
    kb = load_one(tmp_path, (
        "# Agent\n\n## Install the agent\n\nInstall the agent on every node before you enroll it in the fleet of "
        "workers that serve requests:\n\n"
        "{% highlight bash linenos %}\ncurl -sSL https://example.com/install.sh -o install.sh\nchmod +x install.sh\n"
        "{% endhighlight %}\n\n"
        "## Configure the pool\n\n{{< highlight toml \"linenos=table\" >}}\n[params]\n  gpu_pool = \"a100\"\n"
        "{{< /highlight >}}\n\n"
        "## Policy file\n\n{{< tabs name=\"policy\" >}}\n{{< tab name=\"JSON file\" codelang=\"json\" >}}\n"
        "{\n  \"quota\": 8\n}\n{{< /tab >}}\n{{< tab name=\"Notes\" >}}\nQuotas are per team.\n{{< /tab >}}\n"
        "{{< /tabs >}}\n\n"
        "## Writing docs\n\n````markdown\n{% highlight ruby %}\nputs 1\n{% endhighlight %}\n````\n\n"
        "{% highlight python %}\nnever_closed()\n"))
    by_heading = {s.heading: s for s in kb.sections}
    assert "requests:\n\n```bash\ncurl -sSL https://example.com/install.sh -o install.sh\nchmod +x install.sh\n```" \
        in by_heading["Install the agent"].text, by_heading["Install the agent"].text
    assert "```toml\n[params]\n  gpu_pool = \"a100\"\n```" in by_heading["Configure the pool"].text
    assert "**JSON file**\n\n```json\n{\n  \"quota\": 8\n}\n```" in by_heading["Policy file"].text
    assert "**Notes**\n\nQuotas are per team." in by_heading["Policy file"].text
    assert "````markdown\n{% highlight ruby %}\nputs 1\n{% endhighlight %}\n````" in by_heading["Writing docs"].text
    assert "never_closed()" in by_heading["Writing docs"].text and "```python" not in by_heading["Writing docs"].text
    assistant = Assistant(kb, IntentCatalog.load(DEFAULT_CATALOG))
    shown = terminal_render(assistant.reply("how do I install the agent?"))
    assert "install.sh\nchmod +x install.sh\n" in shown, shown


def test_liquid_raw_shows_what_it_wraps(tmp_path: Path) -> None:
    """Jekyll docs about CI wrap GitHub Actions' `${{ … }}` in `{% raw %}` so Liquid leaves it:
    read as the site's own expression, it went from prose ("as $ so it never shows"), and the
    raw tags showed inside code blocks (Liquid reads code too)."""
    kb = load_one(tmp_path, (
        "# CI secrets\n\nPass the token as {% raw %}${{ secrets.REGISTRY_TOKEN }}{% endraw %} so it never shows; "
        "this site is {{ site.title }}.\n\n```yaml\n{% raw %}\npassword: ${{ secrets.REGISTRY_TOKEN }}\n{% endraw %}\n```\n\n"
        "{% raw %}\nWrite {% include note.html %} in a page.\n{% endraw %}\n"))
    text = all_text(kb)
    assert "Pass the token as ${{ secrets.REGISTRY_TOKEN }} so it never shows; this site is ." in text, text
    assert "```yaml\npassword: ${{ secrets.REGISTRY_TOKEN }}\n```" in text, text
    assert "Write {% include note.html %} in a page." in text and "raw %}" not in text, text


def test_a_heading_with_no_text_is_not_shown(tmp_path: Path) -> None:
    """`##` alone is an empty heading (CommonMark), and so is `## {{< param "version" >}}` once
    the shortcode goes: the site shows nothing there, replies showed "##"."""
    kb = load_one(tmp_path, (
        "# Upgrade\n\n## Before you start\n\nBack up the registry.\n\n## {{< param \"version\" >}}\n\n"
        "Read the release notes.\n\n##\n\nDrain the nodes.\n\n```sh\n#\n## kept in code\n```\n"))
    section = next(s for s in kb.sections if s.heading == "Before you start")
    assert "Back up the registry." in section.text and "Drain the nodes." in section.text
    assert "\n##\n" not in section.text and "## \n" not in section.text, section.text
    assert "```sh\n#\n## kept in code\n```" in section.text


def test_snippet_and_code_import_lines_go_and_so_do_abbreviations(tmp_path: Path) -> None:
    """What the site fills in from other files is not in the page: PyMdown's snippets
    (`--8<-- "links.md"`, one line or a block of file names), VitePress's code import (`<<<
    @/snippets/app.js`), and the abbreviation lines (`*[GPU]: …`) the site turns into tooltips.
    Replies showed them as written. A `--8<--` never closed takes nothing with it, nor does one
    whose next `--8<--` is inside a code block: prose after it is no file name (the page's
    text, down to its end, had gone)."""
    kb = load_one(tmp_path, (
        "# Install\n\n--8<-- \"includes/warning.md\"\n\nRun the installer.\n\n--8<--\nlinks.md\nabbr.md\n--8<--\n\n"
        "<<< @/snippets/install.sh{2}\n\n```python\n--8<-- \"docs_src/app.py\"\n```\n\n"
        "```sh\n# --8<-- in code stays\nacme install\n```\n\n*[GPU]: Graphics Processing Unit\n\n"
        "Pick a GPU node.\n\n--8<--\n\nCheck the logs.\n\n--8<--\nRotate the keys yearly.\n"
        "```text\n--8<--\n```\n\nDrain the node first.\n"))
    text = all_text(kb)
    prose = text.replace("# --8<-- in code stays", "").replace("```text\n--8<--\n```", "")
    assert "8<" not in prose and "<<<" not in text and "*[" not in text, text
    assert "links.md" not in text and "docs_src" not in text and "```python" not in text, text
    assert "Run the installer." in text and "```sh\n# --8<-- in code stays\nacme install\n```" in text
    assert "Pick a GPU node." in text and "Check the logs." in text
    assert "Rotate the keys yearly." in text and "Drain the node first." in text, text


def test_a_snippet_line_reads_as_the_file_it_includes(tmp_path: Path) -> None:
    """PyMdown Snippets, as an MkDocs Material site builds the page: vLLM's GPU page is tabs
    of `--8<-- "docs/…/gpu.cuda.inc.md:requirements"` (the part between that file's
    `[start:requirements]` and `[end:requirements]` markers), and dstack's pages include a
    shared `.ext` file. The page was its tab labels, the included text a document titled
    "Gpu.cuda.inc" (or, not being Markdown, never read)."""
    docs = tmp_path / "docs"
    write(docs, "install/gpu.md", "# GPU\n\n## Requirements\n\n=== \"NVIDIA CUDA\"\n\n"
          "    --8<-- \"docs/install/gpu.cuda.inc.md:requirements\"\n\n=== \"AMD ROCm\"\n\n"
          "    --8<-- \"docs/install/gpu.rocm.inc.md:requirements\"\n")
    write(docs, "install/gpu.cuda.inc.md", "--8<-- [start:requirements]\n\n- GPU: compute capability 7.5 or higher\n\n"
          "--8<-- [end:requirements]\n--8<-- [start:other]\n\nNot this part.\n\n--8<-- [end:other]\n")
    write(docs, "install/gpu.rocm.inc.md", "--8<-- [start:requirements]\n\n- GPU: MI200 or MI300\n\n"
          "--8<-- [end:requirements]\n")
    write(docs, "concepts/snippets/manage-fleets.ext", "### Instances\n\nUse `instances` to pin a run to one fleet instance.\n")
    for page in ("tasks", "services"):
        write(docs, f"concepts/{page}.md", f"# {page.title()}\n\nWhat {page} are.\n\n"
              "--8<-- \"docs/concepts/snippets/manage-fleets.ext\"\n\n## Lines\n\n"
              "--8<-- \"concepts/snippets/manage-fleets.ext:3:3\"\n")
    # a page of its own that another page takes a part of stays a page
    write(docs, "quotas.md", "# Quotas\n\nQuotas are per project.\n\n--8<-- [start:cap]\nA project may hold 64 GPUs.\n"
          "--8<-- [end:cap]\n")
    write(docs, "projects.md", "# Projects\n\n--8<-- \"quotas.md:cap\"\n")
    kb = KnowledgeBase.load(docs)
    assert sorted(d.path for d in kb.documents) == ["concepts/services.md", "concepts/tasks.md", "install/gpu.md",
                                                    "projects.md", "quotas.md"]
    assert [s.text for s in kb.sections if s.doc.path == "projects.md"] == ["A project may hold 64 GPUs."]
    gpu = next(s for s in kb.sections if s.heading == "Requirements")
    shown = re.sub(r"\n{3,}", "\n\n", gpu.text)  # (a tab's title line keeps a blank line of its own: no paragraph)
    assert shown == "**NVIDIA CUDA**\n\n- GPU: compute capability 7.5 or higher\n\n**AMD ROCm**\n\n- GPU: MI200 or MI300", gpu.text
    for page in ("concepts/tasks.md", "concepts/services.md"):
        shown = {s.heading: s.text for s in kb.sections if s.doc.path == page and s.heading}
        assert shown == {"Instances": "Use `instances` to pin a run to one fleet instance.",
                         "Lines": "Use `instances` to pin a run to one fleet instance."}, shown  # (line 3 alone)
    reply = Assistant(kb, IntentCatalog.load(DEFAULT_CATALOG)).reply("which GPUs does ROCm need")
    assert "MI200 or MI300" in reply.body and reply.sources[0].path == "install/gpu.md", reply


def test_a_snippet_reads_nothing_outside_the_folder_and_never_loops(tmp_path: Path) -> None:
    """Only a regular file inside the knowledge folder is read: a path up and out, or a link
    pointing out, stays a line (and goes, as a site with no such file shows nothing). Two
    files that include each other stop; a change to an included file is a change to the page."""
    docs = tmp_path / "docs"
    write(tmp_path, "secret.md", "TOKEN=hunter2\n")
    (docs / "notes").mkdir(parents=True)
    (docs / "notes" / "leak.md").symlink_to(tmp_path / "secret.md")
    write(docs, "a.md", "# A\n\nAlpha text.\n\n--8<-- \"../secret.md\"\n\n--8<-- \"notes/leak.md\"\n\n--8<-- \"b.md\"\n")
    write(docs, "b.md", "Beta text.\n\n--8<-- \"a.md\"\n")
    kb = KnowledgeBase.load(docs)
    text = all_text(kb)
    assert "hunter2" not in text and "8<" not in text, text
    # each includes the other once and stops there; each is a page of its own (neither is only a part of the other)
    assert text.count("Beta text.") == 2 and text.count("Alpha text.") == 2, text
    assert [d.path for d in kb.documents] == ["a.md", "b.md"]
    write(docs, "b.md", "Beta text, edited.\n")
    again = KnowledgeBase.load(docs, kb)
    assert "Beta text, edited." in all_text(again)


def test_a_jekyll_note_include_reads_as_its_text(tmp_path: Path) -> None:
    """Jekyll documentation themes write a note as `{% include note.html content="…" %}`: the tag
    went with its text, so the note was lost. Other template tags still go; in code they stay."""
    kb = load_one(tmp_path, (
        "# Backups\n\n{% include note.html content=\"Back up the model registry before an upgrade.\" %}\n\n"
        "Restores take minutes {% include tip.html content='(use the CLI)' %}. {% if site.beta %}Beta{% endif %}\n\n"
        "```liquid\n{% include note.html content=\"kept\" %}\n```\n\n"
        "## People\n\nOur maintainers, {{ site.title }}:\n\n{% for user in people %}\n"
        "<div class=\"user\">@{{ user.login }} Answers: {{ user.answers }}</div>\n{% endfor %}\n\n"
        "Thanks to all of them. Hugo's {{< ref \"setup\" >}} is no Liquid.\n"))
    text = all_text(kb)
    assert "Back up the model registry before an upgrade." in text and "note.html" not in text.split("```")[0], text
    assert "Restores take minutes (use the CLI). Beta" in text, text
    assert '```liquid\n{% include note.html content="kept" %}\n```' in text
    # a template loop repeats its lines per item of the site's data, an expression shows a value it has
    assert "Our maintainers, :" in text and "Answers" not in text and "user.login" not in text
    assert "Thanks to all of them." in text


def test_admonitions_and_template_tags_read_as_their_text(tmp_path: Path) -> None:
    """Docusaurus `:::tip`, MkDocs `!!! warning` and `=== "tab"` (whose indented bodies would
    otherwise be code blocks) and GitBook/Jinja `{% hint %}` tags: their words stay, as prose, with a
    custom title as a bold line; the same syntax inside a code fence is left alone."""
    kb = load_one(tmp_path, (
        "# Serving\n\n"
        ":::tip Pro tip\nCache the model between runs.\n:::\n\n"
        '!!! warning "Endpoint quota"\n    Each account may run ten endpoints.\n\n    Ask support to raise it.\n\n'
        "Back to plain text.\n\n!!! Note\n    A type may be capitalised, as FastAPI's docs write it.\n\n"
        '!!! example "Scale to zero"\n    Set the minimum to zero:\n\n    ```yaml\n    minReplicas: 0\n    ```\n\n'
        '=== "pip"\n\n    Install with pip from the internal mirror.\n\n'
        '=== "conda"\n\n    Install with conda.\n\n'
        '=== ":octicons-file-code-16: pyproject.toml"\n\n    Pin the version in the project file.\n\n'
        '=== "Python 3.8+ non-Annotated"\n\n    !!! tip\n        Prefer the `Annotated` version.\n\n'
        '    Then call the dependency.\n\n'
        "After the tabs.\n\n"
        '!!! note annotate "Set your API key"\n    Export it before you start.\n\n'
        '??? "Cancelling a job"\n    Call `cancel()` on the job.\n\n'
        '{% hint style="info" %}\nHints keep their text.\n{% endhint %}\n\n'
        "```text\n:::note kept\n!!! note\n{% raw %}\n```\n"
    ))
    text = all_text(kb)
    assert "**Pro tip**" in text and "Cache the model between runs." in text
    assert "**Endpoint quota**" in text and "\nEach account may run ten endpoints." in text
    assert "    Each account" not in text and "Ask support to raise it." in text
    assert "Set the minimum to zero:\n\n```yaml\nminReplicas: 0\n```" in text  # a fence in an admonition closes
    assert "**pip**" in text and "\nInstall with pip from the internal mirror." in text and "**conda**" in text
    assert "\nA type may be capitalised" in text and "!!!" not in text.replace("!!! note\n{% raw", "")
    assert "**pyproject.toml**\n\nPin the version" in text and "octicons" not in text  # a tab's title icon goes too
    # a tip in a tab (FastAPI's every "non-Annotated" tab) is prose, not a code block of its twice-indented lines
    assert "\nPrefer the `Annotated` version." in text and "\nThen call the dependency." in text
    assert "    Prefer" not in text and "    Then" not in text
    # more classes after the type (`annotate`), and a collapsible with a title and no type
    assert "**Set your API key**\n\nExport it before you start." in text, text
    assert "**Cancelling a job**\n\nCall `cancel()` on the job." in text, text
    assert "Hints keep their text." in text and "{% hint" not in text and "endhint" not in text
    assert ":::note kept\n!!! note\n{% raw %}" in text  # code is copied as written
    assert ":::\n" not in text.replace(":::note kept\n", "")
    hits = Assistant(kb, IntentCatalog.load(DEFAULT_CATALOG)).retriever.search("how many endpoints may an account run").hits
    assert hits and "ten endpoints" in hits[0].section.text


def test_generic_blocks_and_heading_attributes_read_as_their_text(tmp_path: Path) -> None:
    """MkDocs Material sites written with PyMdown's generic blocks (`/// tab | Python` …
    `///`, nested `//// html | div.result`) and headings carrying an icon and an attribute
    list (an id, a class, `{ style="display:none" }`): the words stay, a tab's title as a bold line, no slashes, icons or braces; the same
    lines inside a code fence are left alone."""
    kb = load_one(tmp_path, (
        "# Install\n\nIntro.\n\n"
        "## Sponsor the project :octicons-heart-fill-16:{: .heart-throb}\n\nThank you.\n\n"
        "## Setup {: #setup }\n\n"
        "/// tab | Python\nRun pip install cloudai.\n///\n\n"
        '## How it works { style="display:none" }\n\nA hidden heading names its part.\n\n'
        "## Upgrade {.wide #upgrading}\n\nBack up first.\n\n"
        "//// html | div.result\nA rendered table.\n/// caption\nFruit count\n///\n////\n\n"
        "```text\n/// caption\nkept in code\n///\n```\n"
    ))
    headings = [s.heading for s in kb.sections if s.heading]
    assert headings == ["Sponsor the project", "Setup", "How it works", "Upgrade"], headings
    assert [s.anchor for s in kb.sections if s.heading in ("Setup", "Upgrade")] == ["setup", "upgrading"]
    text = all_text(kb)
    assert "**Python**\n\nRun pip install cloudai." in text and "A rendered table." in text and "Fruit count" in text
    assert "div.result" not in text and "/// caption\nkept in code\n///" in text  # code is copied as written
    assert "////" not in text and "\n///\n" not in text.replace("kept in code\n///\n", "")


def test_a_code_fence_opened_on_a_list_item_line_closes_where_it_should(tmp_path: Path) -> None:
    """"- ```" opens a fence inside a list item. Missed, its closing line opened a fence that
    ran to the end: every paragraph after it was shown as code and the file "repaired"."""
    kb = load_one(tmp_path, (
        "# Environment variables\n\n"
        "- ```\n  PIP_FIND_LINKS=\"http://mirror.example.com\"\n  ```\n\n  is the same as\n\n"
        "  ```\n  --find-links=http://mirror.example.com\n  ```\n\n"
        "Empty values are not treated as false.\n\n## Precedence\n\nCommand line options win.\n"
    ))
    assert not kb.problems
    assert "  ```\n\nEmpty values are not treated as false.\n\n" in kb.sections[0].text  # prose again
    assert [s.heading for s in kb.sections if s.heading] == ["Precedence"]


@pytest.mark.parametrize("opener", ["<!--", "{/*", "%%", "{{<", "{{%", "{% ", "[[", "{ref}`", "```{toctree}\n"])
def test_an_opener_never_closed_loses_nothing_after_it(tmp_path: Path, opener: str) -> None:
    """Comments, shortcodes, template tags and directives are cut from opener to closer; an
    opener with no closer (a typo, or a page of them: benchmarks/bench_hostile.py) is text,
    and every word after it is still loaded."""
    kb = load_one(tmp_path, f"# Page\n\nBefore it. {opener * 3} After it the pelican sleeps.\n\n## Next\n\nMore text.\n")
    text = all_text(kb)
    assert "Before it." in text and "After it the pelican sleeps." in text and "More text." in text


def test_myst_directives_targets_and_roles_read_as_sphinx_shows_them(tmp_path: Path) -> None:
    """Sphinx docs written in MyST: a note fenced as ```{note} is advice, not code; option
    lines and a table of contents are not text; roles read as their text (one a hard-wrapped
    line breaks too: pip's docs break 25 of their 144 so); a placeholder in
    a code span and a MyST example inside a code fence are left as written."""
    kb = load_one(tmp_path, (
        "(install-guide)=\n# Install\n\n(labels/first-run)=\n"
        "Read {ref}`the configuration page <config-page>` and call {py:func}`~tool.setup.run`.\n\n"
        "```{note}\nThe installer needs Python 3.9 or newer.\n```\n\n"
        "````{admonition} Offline machines\n:class: tip\n\nCopy the wheel over by hand.\n\n"
        "```bash\npip install tool.whl\n```\n````\n\n"
        ":::{warning}\nNever run the installer as root.\n:::\n\n"
        "```{code-block} python\n:linenos:\n\nimport tool\n```\n\n"
        "```{code-cell} ipython3\n---\ntags: [hide-input]\n---\nprint(tool.version)\n```\n\n"
        "```{toctree}\n:maxdepth: 2\n\nusage\nconfig\n```\n\n"
        "Buckets are named `tool-{region}` per region. Press `Ctrl`/{kbd}`K` to search.\n\n"
        "Logos are covered in [](./branding.rst), see {doc}`../usage-guide`. ![](logo.png)\n\n"
        "Build requirements are declared as {pep}`518` says, over HTTP ({rfc}`the spec <9110>`).\n\n"
        "Candidates from other sources (local directories, {ref}`direct\nURL references <pypug:specifiers>`) skip\n"
        "the finder.\n\n"
        "````md\n```{note}\nan example of the syntax\n```\n````\n\n"
        "```{toctree}\n:maxdepth: 1\n\nStill here after a table of contents never closed.\n"
    ))
    text = all_text(kb)
    assert "Read the configuration page and call `run`." in text
    assert "\nThe installer needs Python 3.9 or newer.\n" in text and "```{note}\nThe" not in text
    assert "**Offline machines**\n\nCopy the wheel over by hand.\n\n```bash\npip install tool.whl\n```" in text
    assert "Never run the installer as root." in text and ":class:" not in text and ":::" not in text
    assert "```python\nimport tool\n```" in text and ":linenos:" not in text
    assert "```ipython3\nprint(tool.version)\n```" in text and "hide-input" not in text  # a code cell's options too
    assert "Still here after a table of contents never closed." in text  # nothing is lost
    assert "maxdepth" not in text and "usage\nconfig" not in text and "(install-guide)=" not in text
    assert "(labels/first-run)=" not in text  # a target named with a slash (Black's docs) too
    black = all_text(load_one(tmp_path / "black", "# Trailing commas\n\nOne item per line.\n\n(labels/strings)=\n"))
    assert black == "One item per line.", black  # ...even as a page's only MyST
    assert "Press `Ctrl`/`K` to search." in text
    assert "covered in [branding](./branding.rst), see usage guide. ![](logo.png)" in text  # named as Sphinx would
    assert "declared as PEP 518 says, over HTTP (the spec)." in text
    assert "(local directories, direct URL references) skip\nthe finder." in text  # a role a line break cut
    assert "`tool-{region}`" in text and "```{note}\nan example of the syntax\n```" in text  # code as written
    hits = Assistant(kb, IntentCatalog.load(DEFAULT_CATALOG)).retriever.search("which python does the installer need").hits
    assert hits and "Python 3.9 or newer" in hits[0].section.text


def test_a_page_without_a_title_is_named_as_its_site_would_name_it(tmp_path: Path) -> None:
    """No frontmatter title and no H1: a slug file name reads as a site shows it
    ("server-push.md" is "Server push"), a note's own name stays as typed."""
    write(tmp_path, "server-push.md", "Push resources before the page asks for them.\n")
    write(tmp_path, "static_files.md", "Serve a folder of files.\n")
    write(tmp_path, "Meeting notes 2026.md", "We agreed to ship on Friday.\n")
    kb = KnowledgeBase.load(tmp_path)
    assert sorted(d.title for d in kb.documents) == ["Meeting notes 2026", "Server push", "Static files"]


def test_a_notion_export_is_named_without_its_ids(tmp_path: Path) -> None:
    """Notion ends every exported file and folder name with a 32-character id, and puts a
    page's subpages in a folder of its name beside it: the folder is titled by that page,
    and a page is never named after its id (it used to be, in titles and in the folder
    names that say what a page is about)."""
    wiki = "Team Wiki 8a1b2c3d4e5f60718293a4b5c6d7e8f9"
    write(tmp_path, f"{wiki}.md", "# Engineering Wiki\n\nStart with [Onboarding](Team%20Wiki%208a1b2c3d4e5f60718293a4b5c6d7e8f9/"
                                  "Onboarding%203f2a9c0d8e7b4a1c9f0e2d3c4b5a6978.md).\n")
    write(tmp_path, f"{wiki}/Onboarding 3f2a9c0d8e7b4a1c9f0e2d3c4b5a6978.md", "# Onboarding\n\nCluster access on day one.\n")
    write(tmp_path, f"{wiki}/Standup notes 1111aaaa2222bbbb3333cccc4444dddd.md", "We moved the standup to 10:00.\n")
    write(tmp_path, "Archive 0123456789abcdef0123456789abcdef/old.md", "# Old plan\n\nRetired.\n")
    kb = KnowledgeBase.load(tmp_path)
    named = {d.title: d.breadcrumbs for d in kb.documents}
    assert named == {"Engineering Wiki": (), "Onboarding": ("Engineering Wiki",), "Standup notes": ("Engineering Wiki",),
                     "Old plan": ("Archive",)}
    reply = Assistant(kb, IntentCatalog.load(DEFAULT_CATALOG)).reply("when is the standup?")
    assert [s.label for s in reply.sources] == ["Standup notes"]
    assert [d.title for d in kb.related(next(d for d in kb.documents if d.title == "Engineering Wiki"))] == ["Onboarding"]


def test_a_notion_page_s_properties_are_its_frontmatter_not_its_answer(tmp_path: Path) -> None:
    """Notion writes a database page's properties as lines under its title where other
    tools write frontmatter: they are the page's tags and date, and an answer from the page
    starts with what it says (it used to start "Created: March 3, 2024 10:12 AM Owner: …").
    A page whose first line only reads like one ("Note: …") keeps it."""
    write(tmp_path, "Incident review 3f2a9c0d8e7b4a1c9f0e2d3c4b5a6978.md", (
        "# Incident review\n\nCreated: March 3, 2024 10:12 AM\nOwner: Dana Whitfield\nTags: postmortem, gpu\n\n"
        "The training cluster ran out of GPU quota during the nightly retrain.\n"))
    write(tmp_path, "Runbook 1111aaaa2222bbbb3333cccc4444dddd.md",
          "# Runbook\n\nNote: page the on-call engineer before restarting the scheduler.\n")
    kb = KnowledgeBase.load(tmp_path)
    review = next(d for d in kb.documents if d.title == "Incident review")
    assert review.tags == ("postmortem", "gpu", "Dana Whitfield") and review.date == "2024-03-03"
    assert "Created:" not in all_text(kb) and "Dana" not in all_text(kb)
    assistant = Assistant(kb, IntentCatalog.load(DEFAULT_CATALOG))
    reply = assistant.reply("why did the nightly retrain fail?")
    assert reply.body.startswith("The training cluster ran out of GPU quota")
    assert [s.label for s in assistant.reply("postmortems by Dana Whitfield").sources] == ["Incident review"]
    assert "Note: page the on-call engineer before restarting the scheduler." in all_text(kb)


def test_obsidian_and_jekyll_notes_read_as_their_app_shows_them(tmp_path: Path) -> None:
    """Callouts and GitHub alerts read as their content (a title bold, nested ones too, code
    in them kept); `%% comments %%` are a writer's private notes and never reach a reply (code
    in one on lines of its own neither), but "%%" in code is code; kramdown's `{:toc}` / `{: .note}` lines are not text."""
    kb = load_one(tmp_path, (
        "# GPU budgeting\n\n"
        "> [!NOTE]\n> Spot instances cost about a third of on-demand.\n\n"
        "> [!warning]- Quota limits\n> Each team may hold eight GPUs at once.\n"
        "> > [!tip] Ask early\n> > Requests take a week.\n>\n> ```bash\n> gpu-quota --team ml\n> ```\n\n"
        "%% private: ask finance about the Q3 freeze %%\n\n"
        "We track spend weekly. Never leave a notebook running overnight. %%todo: name names%%\n\n"
        "%%\nDraft: cut the budget by half.\n%%\n\n"
        "%%\nOld report query:\n```sql\nSELECT * FROM spend_by_team\n```\n%%\n\n"
        "* TOC\n{:toc}\n\nReserve capacity for training runs.\n{: .note }\n\n"
        "Time a cell with `%%time`, then:\n\n```python\n%%bash\necho done\n```\n\nand `%%capture` too.\n"
    ))
    text = all_text(kb)
    assert "Spot instances cost about a third of on-demand.\n\n**Quota limits**" in text and "[!" not in text
    assert "**Quota limits**\n\nEach team may hold eight GPUs at once.\n**Ask early**\n\nRequests take a week." in text
    assert "```bash\ngpu-quota --team ml\n```" in text and "\n>" not in text
    assert "finance" not in text and "name names" not in text and "cut the budget" not in text
    assert "SELECT" not in text and "report query" not in text  # a comment on lines of its own hides its code too
    assert "We track spend weekly. Never leave a notebook running overnight. \n" in text
    assert "TOC" not in text and "{:" not in text and "Reserve capacity for training runs." in text
    assert "`%%time`" in text and "```python\n%%bash\necho done\n```" in text and "`%%capture`" in text
    reply = Assistant(kb, IntentCatalog.load(DEFAULT_CATALOG)).reply("what about the GPU budgeting Q3 freeze")
    shown = f"{reply.title}\n{reply.body}"
    assert "GPU budgeting" in shown and "freeze" not in shown and "cut the budget" not in shown


def test_mkdocs_pages_built_from_other_files_read_as_the_site_shows_them(tmp_path: Path) -> None:
    """FastAPI-style MkDocs docs: a code block of markdown-include lines (`{!> ../docs_src/app.py!}`)
    is filled in by the site from outside the docs, so here it is nothing (nor is a content tab
    left with nothing else); an attribute list after a link (`{.internal-link target=_blank}`)
    styles it; mkdocstrings' `::: package.Name` names the object its generated page documents
    (its YAML options are not text); `<abbr title>` shows its text; a Material icon
    (`:octicons-file-code-24:`) is drawn by the site, and a link of nothing else
    (`[:octicons-file-code-24:][_source]`) goes with it; InlineHilite's language prefix
    (`` `#!py3 True` ``) is not shown. Replies showed all of them."""
    kb = load_one(tmp_path, (
        "# Request Body\n\nDeclare the body with a Pydantic model, see [CORS](cors.md){.internal-link target=_blank}"
        " and the <abbr title=\"JavaScript Object Notation\">JSON</abbr> it reads:\n\n"
        "=== \"Python 3.10+\"\n\n    ```Python hl_lines=\"4\"\n    {!> ../../../docs_src/body/tutorial001_py310.py!}\n"
        "    ```\n\n=== \"Python 3.8+\"\n\n    ```Python\n    {!> ../../../docs_src/body/tutorial001.py!}\n    ```\n\n"
        "=== \"Request\"\n\n    ```JSON\n    {\"name\": \"Foo\"}\n    ```\n\n"
        "[Sponsor](https://example.org){: .md-button .md-button--primary }\n\n"
        "- `REQUEST_ID`{ #REQUEST_ID } is set on every request; ``a`b``{.python} too.\n\n"
        "--8<-- [start:limits]\nRequests are capped at 1 MB.\n--8<-- [end:limits]\n\n"
        "## Body reference\n\nThe request body class.\n\n::: fastapi.params.Body\n    options:\n        members:\n"
        "            - embed\n\nUse `Body(embed=True)` to nest a single model.\n\n"
        "```markdown\nWrite {!file.md!} in a block of its own to include a file:\n{!file.md!}\n```\n\n"
        "## Icons\n\n:octicons-file-code-24:\n\n-   :material-clock-fast:{ .lg .middle } __Set up in 5 minutes__\n\n"
        "Follow the project :material-github: on GitHub; write "
        "`:material-github:` for its icon.\n\n[:octicons-file-code-24:][_source]{: .source-link }\n"
        "[:material-github: GitHub](https://github.com/example)\n\nSet `#!py3 strict` to `#!py3 True`; run "
        "`#!/bin/sh` scripts.\n"
    ))
    text = re.sub(r"\n{3,}", "\n\n", all_text(kb))  # what was dropped leaves blank lines, which show as one
    assert "{!>" not in text and "docs_src" not in text and "Python 3.10+" not in text and "Python 3.8+" not in text
    assert '**Request**\n\n```JSON\n{"name": "Foo"}\n```' in text  # a tab with its own content stays
    assert "[CORS](cors.md) and" in text and "[Sponsor](https://example.org)\n" in text and "internal-link" not in text
    assert "`fastapi.params.Body`" in text and "options" not in text and "- embed" not in text
    assert "Use `Body(embed=True)` to nest a single model." in text
    assert "- `REQUEST_ID` is set on every request; ``a`b`` too." in text, text  # a code span's list too
    assert "Requests are capped at 1 MB." in text and "8<" not in text  # the part of this page a snippet line takes
    assert "```markdown\nWrite {!file.md!} in a block of its own to include a file:\n{!file.md!}\n```" in text
    # a Material icon is drawn by the site: it is no text, except written as code
    assert "- __Set up in 5 minutes__" in text and ".lg" not in text  # a grid card's icon, sized
    assert "octicons" not in text and "Follow the project on GitHub; write `:material-github:` for its icon." in text
    assert "[][_source]" not in text and "[ GitHub](https://github.com/example)" in text  # a link of icons only goes
    assert "Set `strict` to `True`; run `#!/bin/sh` scripts." in text  # InlineHilite's language is not shown
    reply = Assistant(kb, IntentCatalog.load(DEFAULT_CATALOG)).reply("request body pydantic model json")
    shown = " ".join(terminal_render(reply, width=200).split(" "))
    assert "Declare the body with a Pydantic model" in shown and "the JSON it reads" in shown
    assert "<abbr" not in shown and "{." not in shown and "{!" not in shown and "\n\n\n" not in shown


def test_mdbook_includes_and_table_of_contents_markers_are_no_text(tmp_path: Path) -> None:
    """mdBook fills `{{#include file.rs}}` (and `{{#rustdoc_include}}`, `{{#playground}}`) in
    from other files, as markdown-include does; VitePress, GitLab and Python-Markdown build a
    table of contents where `[[toc]]`, `[[_TOC_]]` or `[TOC]` stands. Replies showed them as
    written; written inside a code block with other code, or as code, they stay."""
    kb = load_one(tmp_path, (
        "# Hello, World!\n\n[[_TOC_]]\n\nIt is time to write your first Rust program.\n\n"
        "```rust\n{{#rustdoc_include ../listings/ch01/src/main.rs}}\n```\n\n"
        "Run it from your terminal:\n\n{{#include ../listings/ch01/output.txt}}\n\n[TOC]\n\n"
        "## Anatomy of a Rust Program\n\n[[toc]]\n\nThe `main` function always runs first.\n\n"
        "```rust\nfn main() {\n{{#include ../listings/ch01/body.rs:2}}\n}\n```\n\n"
        "Write `{{#include file.rs}}` on a line of its own.\n"
    ))
    text = all_text(kb)
    assert "toc" not in text.lower() and "rustdoc_include" not in text and "output.txt" not in text, text
    assert "It is time to write your first Rust program." in text and "The `main` function always runs first." in text
    assert "```rust\nfn main() {\n{{#include ../listings/ch01/body.rs:2}}\n}\n```" in text
    assert "Write `{{#include file.rs}}` on a line of its own." in text


def test_a_block_title_with_bold_in_it_is_one_bold_line(tmp_path: Path) -> None:
    """FastAPI titles admonitions `!!! check "**FastAPI** uses it to"`, MyST `{admonition}`
    titles may hold bold too: made bold as a whole, the title showed "****FastAPI** uses it to**"."""
    kb = load_one(tmp_path, "# Alternatives\n\n## Pydantic\n\n!!! check \"**FastAPI** uses it to\"\n"
                  "    Handle all the data validation.\n\n```{admonition} The __short__ version\nUse it.\n```\n")
    text = all_text(kb)
    assert "**FastAPI uses it to**\n\nHandle all the data validation." in text, text
    assert "**The short version**" in text and "****" not in text, text


def test_quarto_and_r_markdown_notebooks_are_read_with_their_cells_as_code(tmp_path: Path) -> None:
    """Data teams write Quarto (`.qmd`) and R Markdown (`.Rmd`): Markdown with executable cells
    (`` ```{python} ``, opened by `#| echo: false` option lines). The files were not read at
    all, and read as MyST a cell was an unknown directive whose code showed as prose."""
    write(tmp_path, "serving.qmd", "---\ntitle: Model Serving Guide\n---\n\n## Start the server\n\n"
          "::: {.callout-note}\nYou need a GPU quota of at least 4 to serve the large model.\n:::\n\n"
          "```{python}\n#| echo: false\nimport serve\nserve.start(port=8080)\n```\n")
    write(tmp_path, "report.Rmd", "# Churn report\n\n```{r}\n#| label: churn\nsummary(churn)\n```\n\n"
          "Churn fell in the third quarter.\n")
    kb = KnowledgeBase.load(tmp_path)
    assert sorted(d.path for d in kb.documents) == ["report.Rmd", "serving.qmd"]
    text = all_text(kb)
    assert "```python\nimport serve\nserve.start(port=8080)\n```" in text and "#|" not in text, text
    assert "```r\nsummary(churn)\n```" in text and "GPU quota of at least 4" in text and "{.callout" not in text


def test_site_components_are_drawn_by_the_site_not_shown(tmp_path: Path) -> None:
    """VitePress and Docusaurus pages put components in headings and prose (`<Badge type="tip"
    text="v2" />`, `<Tip>…</Tip>`): the heading, its anchor and replies showed the tags. A
    generic type (`Option<T>`) and code stay as written."""
    kb = load_one(tmp_path, "# Deploying the Gateway <Badge type=\"tip\" text=\"v2\" />\n\n"
                  "<Tip>The gateway allows 100 requests per second per key.</Tip> Use `<Badge />` "
                  "in your own pages, and an Option<T> where a value may be missing.\n")
    sec = kb.sections[0]
    assert kb.documents[0].title == "Deploying the Gateway" and sec.anchor == "deploying-the-gateway", sec
    reply = Assistant(kb, IntentCatalog.load(DEFAULT_CATALOG)).reply("gateway requests per second")
    shown = plain_text(reply.body)
    assert "The gateway allows 100 requests per second per key. Use <Badge /> in your own pages" in shown, shown
    assert "<Tip>" not in shown and "</Tip>" not in shown and "Option<T>" in shown, shown


def test_what_a_page_holds_for_the_browser_is_no_text_and_layout_tags_part_nothing(tmp_path: Path) -> None:
    """Hugo-style pages (Kubeflow's community page): a calendar's `<style>` and `<script>`
    were answered as text, and a table wrapped in `<div class="table-responsive">` lines was
    cut from the sentence introducing it, so the reply stopped on that sentence's colon and
    showed the wrapper tags. A `<button>` in a link showed its tag. In code, all of it stays."""
    write(tmp_path, "community.md", (
        "+++\ntitle = \"Community\"\n+++\n\n## Calendar\n\nThis is the community calendar, shown in your timezone.\n\n"
        "<style>\n#calendar-container {\n   overflow: auto;\n}\n</style>\n<div id=\"calendar-container\"></div>\n"
        "<script type=\"text/javascript\">\nconst timezone = Intl.DateTimeFormat().resolvedOptions().timeZone;\n"
        "document.getElementById('calendar-container').innerHTML = html;\n</script>\n\n"
        "<iframe src=\"https://example.org/embed\" width=\"100%\"></iframe>\n\n"
        "<a href=\"https://chat.example.org/\">\n  <button class=\"btn btn-primary\">Join the chat</button>\n</a>\n\n"
        "## Chat channels\n\nThe following table lists the official channels on the community chat:\n\n"
        "<div class=\"table-responsive\">\n<div class=\"table table-bordered\">\n\n"
        "| Description | Link |\n| --- | --- |\n" + "".join(f"| Working group {n} | [#wg-{n}](https://chat.example.org/wg-{n}) |\n"
                                                      for n in range(40)) +
        "\n</div>\n</div>\n\n"
        "## Embedding the calendar\n\nPut this on your own page:\n\n```html\n<div class=\"cal\">\n<script src=\"cal.js\"></script>\n"
        "</div>\n```\n"
    ))
    kb = KnowledgeBase.load(tmp_path)
    text = all_text(kb)
    assert "overflow" not in text and "innerHTML" not in text and "iframe" not in text and "table-responsive" not in text
    assert '```html\n<div class="cal">\n<script src="cal.js"></script>\n</div>\n```' in text
    assistant = Assistant(kb, IntentCatalog.load(DEFAULT_CATALOG))
    calendar = terminal_render(assistant.reply("community calendar timezone"), width=200)
    assert "This is the community calendar, shown in your timezone.\n\nJoin the chat (https://chat.example.org/)" in calendar
    assert "<button" not in calendar and "const" not in calendar and "calendar-container" not in calendar, calendar
    channels = terminal_render(assistant.reply("official chat channels"), width=200)
    assert "on the community chat:\n\n| Description | Link |" in channels and "<div" not in channels, channels


def test_a_definition_list_reads_as_terms_each_with_its_definition(tmp_path: Path) -> None:
    """Definition lists (Hugo, MyST, Python-Markdown's def_list: a term's line, then ": its
    definition") showed each definition's colon opening a line of its own below its term
    ("Installation guide" / ": Standalone deployment guide"). A term is a line of words: a
    list item or a sentence introducing a list is none, and their ":" lines stay."""
    kb = load_one(tmp_path, (
        "# Pipelines Standalone\n\nDeploy Pipelines without the other components.\n\n"
        "Installation guide\n: [Standalone deployment\n  guide](https://example.org/standalone)\n\n"
        "Interfaces\n:\n  * Pipelines UI\n  * Pipelines SDK\n\n"
        "**needs rebase**\n\n: a label for pull requests that have merge\nconflicts\n: set by the bot\n\n"
        "- an item\n: not a definition\n\n```yaml\nkey\n: value\n```\n"
    ))
    text = all_text(kb)
    assert "**Installation guide**: [Standalone deployment\n  guide](https://example.org/standalone)" in text
    assert "**Interfaces**:\n  * Pipelines UI" in text
    assert "**needs rebase**: a label for pull requests that have merge\nconflicts\nset by the bot" in text
    assert "- an item\n: not a definition" in text and "```yaml\nkey\n: value\n```" in text
    reply = Assistant(kb, IntentCatalog.load(DEFAULT_CATALOG)).reply("pipelines standalone installation guide")
    shown = terminal_render(reply, width=200)
    assert "Installation guide: Standalone deployment guide (https://example.org/standalone)" in shown, shown
    assert "\n:" not in shown, shown


def test_a_footnote_is_read_where_its_mark_is(tmp_path: Path) -> None:
    """GitHub/MkDocs/Obsidian footnotes: "…on their platform[^python]." with "[^python]: The
    ensurepip module…" at the page's end. A chat has no footnotes: replies showed the mark
    and, from the page's last section, the footnote's line on its own ("[^1]: Specifically")."""
    kb = load_one(tmp_path, (
        "# Build artifacts\n\nBuilds ran in a separate directory for each build[^1], as set up by pip[^python].\n\n"
        "Caches were kept per build[^1].\n\n"
        "```text\nlist[^1] in code stays\n```\n\nWrite `[^1]` for a footnote; an unknown mark[^zz] stays.\n\n"
        "## Compatibility\n\nRequest support from that source.\n\n"
        "[^1]: Specifically, the current\n    machine's filesystem.\n[^python]: ensurepip\n"
    ))
    text = all_text(kb)
    assert ("Builds ran in a separate directory for each build (Specifically, the current machine's filesystem.), "
            "as set up by pip (ensurepip).") in text, text
    assert "\n\nCaches were kept per build.\n\n" in text  # a note is read once, at its first mark
    assert "list[^1] in code stays" in text and "Write `[^1]` for a footnote; an unknown mark[^zz] stays." in text
    assert "Specifically" not in kb.sections[-1].text and "[^python]" not in text


def test_mdx_files_are_read_without_their_imports_and_component_tags(tmp_path: Path) -> None:
    write(tmp_path, "install.mdx", (
        "import Tabs from '@theme/Tabs';\nimport TabItem from '@theme/TabItem';\n\n"
        "# Install\n\n<Tabs>\n  <TabItem value=\"pip\" label=\"pip\">\n\nRun pip install cloudai.\n\n"
        "  </TabItem>\n</Tabs>\n\nimport the sample data from the bucket first.\n\n"
        "{/* draft: pricing still to be agreed\n   with sales */}\n\n"
        "```jsx\n<Tabs>{/* one tab per installer */}</Tabs>\n```\n"
    ))
    kb = KnowledgeBase.load(tmp_path)
    assert [d.path for d in kb.documents] == ["install.mdx"] and kb.documents[0].title == "Install"
    text = all_text(kb)
    assert "Run pip install cloudai." in text and "import the sample data from the bucket first." in text
    assert "@theme" not in text and "TabItem" not in text and "pricing" not in text  # an MDX comment is not text
    assert "```jsx\n<Tabs>{/* one tab per installer */}</Tabs>\n```" in text  # ...but in code it is code


def test_mdx_components_keep_their_titles_and_their_indented_text_is_text(tmp_path: Path) -> None:
    """Mintlify's pages (MDX) put a FAQ's questions and a procedure's steps in component titles
    (`<Accordion title="How do I rotate my API key?">`), and an API's fields in attributes
    (`<ParamField path="model_id">`), and indent the answers under them. The
    tag lines went whole, titles with them, and an answer indented four spaces read as a code
    block; a one-line `<Note>…</Note>` showed its tags."""
    write(tmp_path, "quickstart.mdx", (
        "---\ntitle: Quickstart\n---\n\n<Note>You need an API key before you start.</Note>\n\n"
        "## Steps\n\n<Steps>\n  <Step title=\"Install the CLI\">\n    Run `pip install acme-cli`.\n  </Step>\n"
        "  <Step title=\"Log in\">\n    Run `acme login` and paste your key.\n  </Step>\n</Steps>\n\n"
        "## FAQ\n\n<AccordionGroup>\n  <Accordion title=\"How do I rotate my API key?\">\n"
        "    Open Settings and choose Rotate key. The old key stops working after 24 hours.\n  </Accordion>\n"
        "</AccordionGroup>\n\n<Tabs>\n  <Tab title=\"Python\">\n    ```python\n    client.deploy(\"m1\")\n"
        "    ```\n  </Tab>\n</Tabs>\n\n<Card title=\"Autoscaling\" href=\"/autoscaling\">Scale endpoints with traffic.</Card>\n\n"
        "<ParamField path=\"model_id\" type=\"string\" required>\n  The model to deploy.\n</ParamField>\n"
    ))
    kb = KnowledgeBase.load(tmp_path)
    text = all_text(kb)
    assert "<" not in text.replace("```python", ""), text
    assert "You need an API key before you start." in text
    assert "**Install the CLI**\n\nRun `pip install acme-cli`.\n" in text, text
    assert "**Log in**\n\nRun `acme login` and paste your key.\n" in text, text
    assert '**Python**\n\n```python\nclient.deploy("m1")\n```' in text, text
    assert "**Autoscaling** Scale endpoints with traffic." in text, text
    assert "**`model_id`**\n\nThe model to deploy." in text, text
    assistant = Assistant(kb, IntentCatalog.load(DEFAULT_CATALOG))
    reply = terminal_render(assistant.reply("how do I rotate my API key?"))
    assert "How do I rotate my API key?" in reply and "Open Settings and choose Rotate key." in reply, reply


def test_a_md_file_that_imports_a_component_is_read_as_mdx(tmp_path: Path) -> None:
    """Docusaurus reads `.md` files as MDX, and its docs import `Tabs` in them: replies showed
    the import lines and `<Tabs>`. A `.md` file whose only import is in a code block is plain
    Markdown, so a line that is only a component tag stays."""
    write(tmp_path, "retries.md", (
        "---\ntitle: Configure retries\n---\n\nimport Tabs from '@theme/Tabs';\n\n"
        ":::tip[Retry budget]\nKeep the total retry time under the client's timeout.\n:::\n\n"
        "<Tabs>\n  <TabItem value=\"py\" label=\"Python\" default>\n\nPass `retries=3` to the client.\n\n"
        "  </TabItem>\n</Tabs>\n"))
    write(tmp_path, "sdk.md", "# SDK\n\n```js\nimport { Client } from 'sdk';\n```\n\n<Widget>\n\nThe client retries.\n")
    kb = KnowledgeBase.load(tmp_path)
    retries = "\n".join(s.text for s in kb.sections if s.doc.path == "retries.md")
    assert "import" not in retries and "Tabs" not in retries and "TabItem" not in retries, retries
    assert "**Retry budget**" in retries and "Pass `retries=3` to the client." in retries
    sdk = "\n".join(s.text for s in kb.sections if s.doc.path == "sdk.md")
    assert "```js\nimport { Client } from 'sdk';\n```" in sdk and "<Widget>" in sdk, sdk


def test_a_md_file_holding_a_component_block_is_read_as_mdx(tmp_path: Path) -> None:
    """A site that registers its components for every page imports none, and a README copied
    from such docs holds `<Tabs>` blocks with no import: replies showed the tag lines (GitHub
    hides them). A component's opening line and its closing line make it MDX; a placeholder
    line, `<MODEL>`, or an opening tag never closed, is text."""
    write(tmp_path, "proxy.md", (
        "# Proxy\n\n## Test it\n\nCall the proxy from your client.\n\n<Tabs>\n"
        "<TabItem label=\"Python SDK\" value=\"python\">\n\nPoint the SDK's base URL at the proxy.\n\n</TabItem>\n"
        "<TabItem label=\"curl\" value=\"curl\">\n\nPost to `/v1/messages` with your key.\n\n</TabItem>\n</Tabs>\n"))
    write(tmp_path, "notes.md", "# Models\n\nSet the model as\n\n<MODEL>\n\nin the config.\n\n<Widget>\n\nThe widget lists them.\n")
    kb = KnowledgeBase.load(tmp_path)
    proxy = re.sub(r"\n{3,}", "\n\n", "\n".join(s.text for s in kb.sections if s.doc.path == "proxy.md"))
    assert "**Python SDK**\n\nPoint the SDK's base URL at the proxy." in proxy, proxy
    assert "**curl**\n\nPost to `/v1/messages` with your key." in proxy and "Tab" not in proxy, proxy
    notes = "\n".join(s.text for s in kb.sections if s.doc.path == "notes.md")
    assert "<MODEL>" in notes and "<Widget>" in notes, notes


def test_html_anchor_is_removed_and_becomes_the_section_anchor(tmp_path: Path) -> None:
    kb = load_one(tmp_path, (
        "# Guide\n\nIntro.\n\n"
        '## Install the SDK<a name="install-sdk"></a>\n\n'
        '<a name="step-one"></a>\n'
        "Run the installer.\n"
    ))
    [sec] = [s for s in kb.sections if s.heading == "Install the SDK"]
    assert sec.anchor == "install-sdk"
    assert "<a" not in sec.text and "</a>" not in sec.text
    assert "Run the installer." in sec.text


def test_backslash_escapes_are_undone(tmp_path: Path) -> None:
    kb = load_one(tmp_path, (
        "# Escapes\n\n"
        "Run pip install sagemaker\\. Then pass the \\-\\-upgrade flag \\(optional\\)\\.\n"
        "Use an \\*asterisk\\* and an under\\_score\\.\n"
    ))
    text = all_text(kb)
    assert "Run pip install sagemaker. Then pass the --upgrade flag (optional)." in text
    assert "Use an *asterisk* and an under_score." in text
    assert "\\" not in text


def test_escaped_backslash_shows_one_backslash(tmp_path: Path) -> None:
    # CommonMark: `\\` is an escaped backslash and reads as one `\` (the SageMaker guide
    # writes regex patterns this way: `\[0\-9\\\.\]` is `[0-9\.]`).
    kb = load_one(tmp_path, "# Paths\n\nThe share is C:\\\\Users\\\\data and the pattern is \\[0\\-9\\\\\\.\\]\\+\n")
    text = all_text(kb)
    assert "C:\\Users\\data" in text
    assert "[0-9\\.]+" in text


def test_reference_links_are_resolved_and_definitions_removed(tmp_path: Path) -> None:
    kb = load_one(tmp_path, (
        "# Links\n\n"
        "See the [install guide][guide] and the [docs][] before starting.\n\n"
        "[guide]: https://example.com/install\n"
        '[docs]: https://example.com/docs "The docs"\n'
    ))
    text = all_text(kb)
    assert "See the [install guide](https://example.com/install) and the [docs](https://example.com/docs) before starting." in text
    assert "[guide]:" not in text and "[docs]:" not in text


def test_reference_link_defined_above_its_use(tmp_path: Path) -> None:
    kb = load_one(tmp_path, "# Links\n\n[kfp]: https://example.com/kfp\n\nInstall [the SDK][kfp] first.\n")
    text = all_text(kb)
    assert "Install [the SDK](https://example.com/kfp) first." in text
    assert "[kfp]:" not in text


def test_brackets_inside_inline_code_are_not_read_as_reference_links(tmp_path: Path) -> None:
    # From the SageMaker guide: "the count in `confusion[labels][predictions]` is incremented".
    kb = load_one(tmp_path, "# Matrix\n\nThe count in `confusion[labels][predictions]` is incremented by 1.\n")
    assert "`confusion[labels][predictions]`" in all_text(kb)


def test_a_reference_link_whose_text_is_code_is_resolved(tmp_path: Path) -> None:
    # From the Kubeflow docs: "it constructs a [`PipelineTask`][pipelinetask] instance", shown raw.
    kb = load_one(tmp_path, ("# Tasks\n\nIt constructs a [`PipelineTask`][pipelinetask] instance, "
                             "see the [`dsl` reference][] and `a[b][c]`.\n\n"
                             "[pipelinetask]: https://example.com/task\n[`dsl` reference]: https://example.com/dsl\n"))
    text = all_text(kb)
    assert "It constructs a [`PipelineTask`](https://example.com/task) instance" in text
    assert "`a[b][c]`" in text and "[pipelinetask]" not in text


def test_backslashes_inside_inline_code_are_kept(tmp_path: Path) -> None:
    # Code spans are literal in Markdown: a regex written in backticks must not change.
    kb = load_one(tmp_path, "# Metrics\n\nThe regex is `val_accuracy=([0-9\\\\.]+)` for accuracy.\n")
    assert "`val_accuracy=([0-9\\\\.]+)`" in all_text(kb)


def test_wiki_links_show_as_text_and_resolve(tmp_path: Path) -> None:
    write(tmp_path, "target-note.md", "---\ntitle: Target Note\n---\n\n## Details\n\nTarget details about quotas.\n")
    write(tmp_path, "hub.md", (
        "# Hub\n\n"
        "Read [[Target Note]], [[target-note|the target]], [[Target Note#Details]] and [[Nowhere Doc]].\n"
    ))
    kb = KnowledgeBase.load(tmp_path)
    hub = doc_by_path(kb, "hub.md")
    target = doc_by_path(kb, "target-note.md")
    text = "\n".join(s.text for s in kb.doc_sections(hub))
    assert "Read Target Note, the target, Target Note › Details and Nowhere Doc." in text
    assert "[[" not in text and "]]" not in text

    assert kb.resolve(WikiLink("Target Note")) is target  # by title
    assert kb.resolve(WikiLink("target-note")) is target  # by file name
    assert kb.resolve(WikiLink("TARGET NOTE")) is target  # without case
    assert kb.resolve(WikiLink("Nowhere Doc")) is None
    assert kb.related(hub) == [target]
    assert kb.related(target) == [hub]  # backlink


def test_a_wiki_link_in_a_table_with_its_bar_escaped_resolves(tmp_path: Path) -> None:
    """In a table Obsidian escapes the bar of `[[Note|shown text]]` (`[[Note\\|shown text]]`,
    as a bare bar ends the cell): the backslash was read into the name, so the link
    resolved to nothing and the two pages were not related."""
    write(tmp_path, "Cluster access.md", "# Cluster access\n\nRequest access through the portal.\n")
    write(tmp_path, "index.md", ("# Runbook index\n\n| Problem | Page |\n|---|---|\n"
                                 "| No kubeconfig | [[Cluster access\\|the access page]] |\n"))
    kb = KnowledgeBase.load(tmp_path)
    index, access = doc_by_path(kb, "index.md"), doc_by_path(kb, "Cluster access.md")
    assert kb.related(index) == [access] and kb.related(access) == [index]
    assert "| No kubeconfig | the access page |" in "\n".join(s.text for s in kb.doc_sections(index))


def test_wiki_link_to_a_file_name_reads_as_the_title(tmp_path: Path) -> None:
    write(tmp_path, "key-trends.md", "---\ntitle: Key Trends\n---\n\nTrends text.\n\n## Edge\n\nEdge text.\n")
    write(tmp_path, "hub.md", "# Hub\n\nSee [[key-trends]] and [[key-trends#Edge]] for more.\n")
    kb = KnowledgeBase.load(tmp_path)
    hub = doc_by_path(kb, "hub.md")
    text = "\n".join(s.text for s in kb.doc_sections(hub))
    assert "See Key Trends and Key Trends › Edge for more." in text
    assert kb.related(hub) == [doc_by_path(kb, "key-trends.md")]


def test_wiki_link_title_does_not_replace_other_words(tmp_path: Path) -> None:
    # `[[ai]]` reads as the title of ai.md, but "main", "domain" and "training" keep their letters.
    write(tmp_path, "ai.md", "---\ntitle: Artificial Intelligence\n---\n\nBasics of AI.\n")
    write(tmp_path, "train.md", "# Training\n\nThe main domain for training is explained in [[ai]].\n")
    kb = KnowledgeBase.load(tmp_path)
    text = "\n".join(s.text for s in kb.doc_sections(doc_by_path(kb, "train.md")))
    assert "The main domain for training is explained in Artificial Intelligence." in text


def test_an_obsidian_embed_shows_the_note_and_is_found_where_it_is_written(tmp_path: Path) -> None:
    """`![[Note]]` on a line of its own shows the note (Obsidian draws it there), `#Heading`
    that part, `#^id` one block; a reply showed only "Approval checklist" on a line. Only the
    note's name is indexed in the embedding note, so its words still find their own note
    first; an embed inside a sentence reads as the name; an image embed shows its alt text at
    most; two notes embedding each other stop after one step; Dataview and Tasks queries
    (the app shows their results) are not shown as code."""
    write(tmp_path, "Approval checklist.md",
          "# Approval checklist\n\n1. State the GPU hours.\n2. Name the owner who signs off.\n\n"
          "## Escalation\n\nPage the infra lead.\n\nQuota breaches go to finance. ^quota\n")
    write(tmp_path, "Projects/GPU budget.md", (
        "# GPU budget\n\nOur budget is tracked weekly.\n\n## Approvals\n\nRequests over $5k need sign-off.\n\n"
        "![[Approval checklist]]\n\nSee also the ![[Approval checklist#Escalation]] rules.\n\n"
        "![[architecture.png|300]] ![[flow.svg|Request flow]]\n\n"
        "```dataview\nTABLE file.mtime FROM #budget\n```\n\n```tasks\nnot done\n```\n\n"
        "## Quotas\n\n![[Approval checklist#^quota]]\n\n![[Loop]]\n\n![[Approval checklist#Nowhere]]\n"))
    write(tmp_path, "Loop.md", "# Loop\n\nLoop text.\n\n![[GPU budget]]\n")
    kb = KnowledgeBase.load(tmp_path)
    approvals = next(s for s in kb.sections if s.heading == "Approvals")
    assert approvals.text.startswith(
        "Requests over $5k need sign-off.\n\n**Approval checklist**\n\n1. State the GPU hours.\n"
        "2. Name the owner who signs off.\n\n**Escalation**\n\nPage the infra lead.")
    assert "See also the Approval checklist › Escalation rules." in approvals.text
    assert "300" not in approvals.text and "architecture" not in approvals.text and "Request flow" in approvals.text
    assert "dataview" not in approvals.text and "TABLE" not in approvals.text and "not done" not in approvals.text
    quotas = next(s for s in kb.sections if s.heading == "Quotas")
    assert quotas.text.startswith("Quota breaches go to finance.\n\n**Loop**\n\nLoop text.\n\nGPU budget")
    assert "^quota" not in quotas.text and quotas.text.endswith("Approval checklist › Nowhere")
    # a block's id is not shown where the block is written, nor where its note is embedded (Obsidian hides it)
    escalation = next(s for s in kb.sections if s.heading == "Escalation" and s.doc.path == "Approval checklist.md")
    assert escalation.text.endswith("Quota breaches go to finance.") and "^quota" not in approvals.text
    assert approvals.searchable.startswith("Requests over $5k need sign-off.\n\nApproval checklist\n\n")
    assert "owner" not in approvals.searchable
    assistant = Assistant(kb, IntentCatalog.load(DEFAULT_CATALOG))
    hit = assistant.retriever.search("who signs off as owner", top=3).hits[0]
    assert hit.section.doc.path == "Approval checklist.md"
    shown = terminal_render(assistant.reply("which GPU requests need sign-off"))
    assert "Requests over $5k need sign-off.\n\nApproval checklist\n\n1. State the GPU hours." in shown
    assert "^quota" not in shown and not re.search("[\ue000-\ue002]", shown)


def test_an_excalidraw_drawing_reads_as_its_labels(tmp_path: Path) -> None:
    """Obsidian's Excalidraw plugin saves a drawing as a note: a banner, the labels drawn in it
    ("## Text Elements", each with a block id) and the drawing's JSON. Replies showed the
    banner and the JSON under the title "Excalidraw Data"; a drawing is its labels, titled
    with its name, and one with no text is skipped with the reason."""
    write(tmp_path, "Architecture.excalidraw.md", (
        "---\n\nexcalidraw-plugin: parsed\ntags: [excalidraw]\n\n---\n"
        "==⚠  Switch to EXCALIDRAW VIEW in the MORE OPTIONS menu of this document. ⚠==\n\n\n"
        "# Excalidraw Data\n## Text Elements\nIngress gateway ^a1b2c3d4\n\nGPU node pool\nspot instances ^e5f6g7h8\n\n"
        "## Embedded Files\n6c5b1a3e: [[icon.png]]\n\n%%\n## Drawing\n```compressed-json\nN4KAkARALgngDgUwgLgAQQ\n```\n%%\n"))
    write(tmp_path, "Blank.excalidraw.md",
          "---\nexcalidraw-plugin: parsed\n---\n# Excalidraw Data\n## Text Elements\n%%\n## Drawing\n```json\n{}\n```\n%%\n")
    write(tmp_path, "Cluster.md", "# Cluster\n\nThe layout is in [[Architecture]].\n")
    kb = KnowledgeBase.load(tmp_path)
    drawing = doc_by_path(kb, "Architecture.excalidraw.md")
    assert drawing.title == "Architecture" and drawing.tags == ("excalidraw",)
    assert all_text(kb).startswith("Ingress gateway\n\nGPU node pool\nspot instances\n"), all_text(kb)
    assert "EXCALIDRAW" not in all_text(kb) and "N4KA" not in all_text(kb) and "icon.png" not in all_text(kb)
    assert [(p.path, p.reason) for p in kb.problems] == [("Blank.excalidraw.md", "an Excalidraw drawing with no text in it")]
    assert drawing in kb.related(doc_by_path(kb, "Cluster.md"))


def test_an_obsidian_vaults_template_folders_are_not_knowledge(tmp_path: Path) -> None:
    """A vault's note templates are blanks ("## Action items", "{{date}}"), and one answered
    "what are the action items from the meeting?". The folders the core Templates plugin and
    Templater are set to are not read; with no such setting a "Templates" folder is notes."""
    write(tmp_path, ".obsidian/templates.json", '{"folder": "Templates/"}')
    write(tmp_path, ".obsidian/plugins/templater-obsidian/data.json", '{"templates_folder": "Meta/Templater"}')
    write(tmp_path, "Templates/Meeting.md", "# {{title}}\n\n## Action items from the meeting\n\n- \n")
    write(tmp_path, "Meta/Templater/Weekly.md", "# Week <% tp.date.now() %>\n\n## Action items from the meeting\n")
    write(tmp_path, "Meta/Glossary.md", "# Glossary\n\nA GPU hour is one GPU for one hour.\n")
    write(tmp_path, "Meetings/2026-11-30.md", "# Infra sync\n\n## Action items from the meeting\n\n- Alice files the GPU quota request.\n")
    kb = KnowledgeBase.load(tmp_path)
    assert sorted(d.path for d in kb.documents) == ["Meetings/2026-11-30.md", "Meta/Glossary.md"]
    reply = Assistant(kb, IntentCatalog.load(DEFAULT_CATALOG)).reply("what are the action items from the meeting?")
    assert "Alice files the GPU quota request." in plain_text(reply.body), reply
    plain = tmp_path / "plain"  # no vault settings: a folder named Templates is a team's notes
    write(plain, "Templates/Runbook template.md", "# Runbook template\n\nCopy it for each service.\n")
    assert [d.path for d in KnowledgeBase.load(plain).documents] == ["Templates/Runbook template.md"]


def test_a_logseq_page_reads_as_the_app_shows_it(tmp_path: Path) -> None:
    """Logseq's page properties are its frontmatter; a block's own properties (`id::`,
    `collapsed::`) go and a team's read as `key: value`; a reference `((id))` shows the
    block's text wherever it is; `{{embed [[Page]]}}` shows the page under its item; a
    task (`TODO`, `DONE`) is a box; a block marked `heading:: true` is a heading. A reply showed
    all of them as written."""
    block = "64a1f2c3-1111-2222-3333-444455556666"
    write(tmp_path, "pages/GPU quota.md", (
        "title:: GPU quota\ntags:: infra, [[budget]]\nalias:: gpu limits\n\n"
        f"- Each team may hold eight GPUs at once.\n  id:: {block}\n  owner:: Alice\n"
        "- Requests for more go to [[Infra leads]].\n  collapsed:: true\n\t- TODO attach the Grafana link\n"
        "\t- DONE file the ticket\n- {{embed [[Infra leads]]}}\n"
        "- ```python\n  quota:: kept  # code is code\n  ```\n"))
    write(tmp_path, "pages/Infra leads.md", f"- Alice and Bob approve GPU requests.\n- The cap is ((({block}))).\n")
    write(tmp_path, "journals/2026_11_30.md", "- Met the infra leads about quotas.\n")
    write(tmp_path, "logseq/config.edn", "{:meta/version 1}\n")  # the graph's own folder: its backups are no pages
    write(tmp_path, "logseq/bak/pages/GPU quota/2026-11-29T10_00_00.000Z.Desktop.md", "- Each team may hold six GPUs.\n")
    write(tmp_path, "pages/Onboarding.md", (
        "- ## Accounts\n\t- Ask IT for a laptop.\n\t- ### Chat\n\t\t- Join #infra.\n"
        "- Storage\n  heading:: true\n\t- Use the shared bucket.\n- Backups\n  heading:: 3\n\t- Nightly, kept a week.\n"
        "- ## Cluster access\n\t- Request the kubeconfig:\n\t  ```bash\n\t  kubectl get pods\n\t  ```\n"
        "- A note with a\n\t- ## heading inside a list, which stays an item\n"))
    kb = KnowledgeBase.load(tmp_path)
    onboarding = {s.heading: s.text for s in kb.doc_sections(doc_by_path(kb, "pages/Onboarding.md"))}
    assert onboarding["Chat"] == "- Join #infra." and onboarding["Accounts"].startswith("- Ask IT for a laptop.")
    assert onboarding["Storage"].startswith("- Use the shared bucket.") and onboarding["Backups"] == "- Nightly, kept a week."
    assert onboarding["Cluster access"].startswith(
        "- Request the kubeconfig:\n  ```bash\n  kubectl get pods\n  ```\n- A note with a\n\t- ## heading inside")
    assert not [d.path for d in kb.documents if d.path.startswith("logseq/")]
    day = doc_by_path(kb, "journals/2026_11_30.md")
    assert (day.title, day.date) == ("2026-11-30", "2026-11-30")
    vault = tmp_path / "vault"  # another app's notes: `owner:: Bob` is an Obsidian Dataview field, as written
    write(vault, "notes/Review.md", "owner:: Bob\n\n- TODO review the budget\n")
    assert all_text(KnowledgeBase.load(vault)) == "owner:: Bob\n\n- TODO review the budget"
    quota = doc_by_path(kb, "pages/GPU quota.md")
    assert (quota.title, quota.tags, quota.aliases) == ("GPU quota", ("infra", "budget"), ("gpu limits",))
    text = "\n".join(s.text for s in kb.doc_sections(quota))
    assert text.startswith("- Each team may hold eight GPUs at once.\n  owner: Alice\n- Requests for more go to Infra leads.")
    assert "::" not in text.split("```")[0] and block not in text and "collapsed" not in text
    assert "- [ ] attach the Grafana link" in text and "- [x] file the ticket" in text
    assert ("- **Infra leads**\n  - Alice and Bob approve GPU requests.\n"
            "  - The cap is (Each team may hold eight GPUs at once.).\n") in text and "quota:: kept" in text
    leads = "\n".join(s.text for s in kb.doc_sections(doc_by_path(kb, "pages/Infra leads.md")))
    assert "The cap is (Each team may hold eight GPUs at once.)." in leads
    assert quota in kb.related(doc_by_path(kb, "pages/Infra leads.md"))  # the reference relates the pages
    shown = terminal_render(Assistant(kb, IntentCatalog.load(DEFAULT_CATALOG)).reply("how many GPUs may a team hold"))
    assert "GPU quota" in shown and "☐ attach the Grafana link" in shown and "☑ file the ticket" in shown


def test_a_heading_reads_as_its_words_and_a_name_in_it_keeps_its_underscores(tmp_path: Path) -> None:
    """Sources showed "Introducing _Black_ to your project" (in Discord's escaped text and the
    terminal) and related topics a heading's raw `<a href=…>` tag, and `__dirname` (Node's
    docs) or `_config.yml` lost their underscores."""
    kb = load_one(tmp_path, (
        "# Introducing _Black_ to your project\n\nRun it once.\n\n## Deprecate a *path operation*\n\nMark it.\n\n"
        "## `__dirname`\n\nThe folder of the module.\n\n## `_config.yml` and snake_case_names\n\nSettings.\n\n"
        "## ~~Async databases~~ (deprecated)\n\nUse the SQL guide.\n\n"
        "## <a href=\"https://webargs.example\" class=\"external-link\">Webargs</a> and `List<T>`\n\nParsing.\n"
    ))
    assert [s.heading_path for s in kb.sections] == [
        "Introducing Black to your project", "Deprecate a path operation", "__dirname",
        "_config.yml and snake_case_names", "Async databases (deprecated)", "Webargs and List<T>"]
    reply = Assistant(kb, IntentCatalog.load(DEFAULT_CATALOG)).reply("deprecate a path operation")
    assert "Introducing Black to your project › Deprecate a path operation" in terminal_render(reply, width=100)


def test_headings_inside_code_fences_are_not_sections(tmp_path: Path) -> None:
    fence = "```bash\n# not a heading\n## also not a heading\necho \"hi\"   # comment\n```"
    kb = load_one(tmp_path, f"# Setup\n\nIntro.\n\n## Install\n\nRun this:\n\n{fence}\n\nAfter the fence.\n\n~~~\n# tilde fence\n~~~\n")
    headings = [s.heading for s in kb.sections]
    assert "not a heading" not in headings and "also not a heading" not in headings and "tilde fence" not in headings
    [install] = [s for s in kb.sections if s.heading == "Install"]
    assert fence in install.text
    assert "After the fence." in install.text
    assert "~~~\n# tilde fence\n~~~" in install.text


# --- sections -------------------------------------------------------------------------


GUIDE = """\
# Cloud Guide

Guide intro text.

## Best Practices

Follow these.

### Encrypt Everything

Encrypt data at rest and in transit with managed keys.

### Monitor Models

Watch for drift in production models over time.

## Benefits

- **GPU Acceleration:** Cloud platforms provide access to powerful GPUs for training models.
- **Elastic Storage:** Storage grows with your data without new hardware purchases.
- plain item without bold label
"""


def test_one_section_per_heading_with_heading_path(tmp_path: Path) -> None:
    kb = load_one(tmp_path, GUIDE, "guide.md")
    headings = {s.heading_path: s for s in kb.sections if s.kind == "heading"}
    assert list(headings) == ["Best Practices", "Best Practices › Encrypt Everything",
                              "Best Practices › Monitor Models", "Benefits"]
    assert headings["Best Practices › Encrypt Everything"].text == "Encrypt data at rest and in transit with managed keys."
    assert headings["Best Practices › Monitor Models"].full_text.startswith("Monitor Models\n\nWatch for drift")
    intro = kb.sections[0]
    assert intro.kind == "intro" and intro.heading_path == "Cloud Guide"
    assert intro.text.startswith("Guide intro text.")


def test_parent_with_short_text_shows_its_children(tmp_path: Path) -> None:
    kb = load_one(tmp_path, GUIDE, "guide.md")
    [parent] = [s for s in kb.sections if s.heading == "Best Practices"]
    assert parent.text.startswith("Follow these.")
    assert "Encrypt Everything" in parent.text and "Monitor Models" in parent.text
    assert "Encrypt data at rest" in parent.text  # each child's first sentence


def test_parent_with_long_text_does_not_show_its_children(tmp_path: Path) -> None:
    long_own = "This parent explains a lot on its own. " * 15
    kb = load_one(tmp_path, f"# Doc\n\n## Parent\n\n{long_own}\n\n### Child One\n\nChild text.\n")
    [parent] = [s for s in kb.sections if s.heading == "Parent"]
    assert "Child One" not in parent.text


def test_bold_led_list_items_are_sections(tmp_path: Path) -> None:
    kb = load_one(tmp_path, GUIDE, "guide.md")
    items = [s for s in kb.sections if s.kind == "item"]
    assert [s.heading for s in items] == ["GPU Acceleration", "Elastic Storage"]
    assert [s.heading_path for s in items] == ["Benefits › GPU Acceleration", "Benefits › Elastic Storage"]
    assert "powerful GPUs for training models" in items[0].text
    assert "Storage grows with your data" in items[1].text
    assert "Elastic" not in items[0].text


def test_document_without_headings_is_cut_into_passages(tmp_path: Path) -> None:
    paragraphs = [f"Paragraph {i} begins. " + "Cloud platforms scale storage and compute on demand. " * 5 + f"Marker{i} ends."
                  for i in range(25)]
    kb = load_one(tmp_path, "\n\n".join(paragraphs) + "\n", "long post.md")
    sections = kb.sections
    assert len(sections) > 3
    assert all(len(s.text) <= 1200 for s in sections), [len(s.text) for s in sections]
    text = all_text(kb)
    for i in range(25):
        assert f"Marker{i} ends." in text
    assert sections[0].kind == "intro" and {s.kind for s in sections[1:]} == {"passage"}


def test_long_single_line_paragraph_is_not_cut_short(tmp_path: Path) -> None:
    # One paragraph on one line (common in exported docs) longer than a passage.
    sentences = " ".join(f"Sentence {i} covers the topic word{i} in detail." for i in range(120))
    kb = load_one(tmp_path, sentences + "\n", "one-line.md")
    text = all_text(kb)
    assert all(len(s.text) <= 1200 for s in kb.sections)
    for i in (0, 60, 119):
        assert f"topic word{i} in detail." in text


def test_a_long_list_is_not_cut_just_after_a_label(tmp_path: Path) -> None:
    """AWS's docs put a note inside a list as a bold word on its own line ("**Note**  ", a
    hard break) over the note's text. A list too long for one passage was cut at the line
    after the label, so an answer ended on "Note" with its note in the next passage."""
    steps = [f"+ Step {i}: " + "set the batch strategy and the payload size, then check the response. " * 4
             for i in range(4)]
    body = "## Max timeout errors\n\nTry the following:\n" + "\n".join(steps[:3]) + "\n**Note**  \n" + \
        "Exceeding the payload limit causes an error. " * 8 + "\n" + steps[3] + "\n"
    kb = load_one(tmp_path, body, "errors.md")
    for sec in kb.sections:
        assert not sec.text.rstrip().endswith("**Note**"), sec.text
    assert any(s.text.lstrip().startswith("**Note**") for s in kb.sections), [s.text[:40] for s in kb.sections]


def test_a_link_written_inside_a_code_span_is_a_link_named_in_code(tmp_path: Path) -> None:
    """AWS's docs, converted from HTML, write an API field's link inside a code span:
    `[BatchStrategy](https://…)` showed its brackets and address as code. It is read as the
    link it stands for, its text code; in a fenced block, or with words as its text (a guide
    to Markdown showing the syntax), it is left as written."""
    url = "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateTransformJob.html#BatchStrategy"
    kb = load_one(tmp_path, f"## Batch strategy\n\nBegin with the single-record `[BatchStrategy]({url})` setting.\n\n"
                  f"Write `[a link](https://example.com)` for a link.\n\n```markdown\n`[BatchStrategy]({url})`\n```\n",
                  "errors.md")
    text = all_text(kb)
    assert f"single-record [`BatchStrategy`]({url}) setting" in text, text
    assert "`[a link](https://example.com)`" in text
    assert f"```markdown\n`[BatchStrategy]({url})`\n```" in text


# --- the real corpora -----------------------------------------------------------------


@pytest.fixture(scope="module", params=["seeds", "kubeflow", "sagemaker"])
def real_corpus(request) -> tuple[Path, KnowledgeBase]:
    folder = corpus(request.param)
    return folder, KnowledgeBase.load(folder)


_CODE_FENCE = re.compile(r"^[ \t]*(```|~~~)[^\n]*\n.*?^[ \t]*\1[ \t]*$", re.MULTILINE | re.DOTALL)
_CODE_SPAN = re.compile(r"(`+)(?!`)[^\n]+?(?<!`)\1(?!`)")


def prose(text: str) -> str:
    """The text outside fenced code blocks and inline code spans (which stay verbatim)."""
    return _CODE_SPAN.sub(" ", _CODE_FENCE.sub(" ", text))


def test_corpus_loads_every_file_cleanly(real_corpus) -> None:
    folder, kb = real_corpus
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.suffix in (".md", ".markdown"))
    assert sorted(d.path for d in kb.documents) == files
    assert [p for p in kb.problems if p.skipped] == []
    for sec in kb.sections:
        assert "{{<" not in sec.text, (sec.doc.path, sec.heading_path)
        assert "{{%" not in sec.text, (sec.doc.path, sec.heading_path)
        assert "<a name=" not in sec.text, (sec.doc.path, sec.heading_path)


def test_corpus_backslash_escapes_are_undone_outside_code(real_corpus) -> None:
    # `\.` stays legitimately inside code (regexes) and where the source escapes a backslash
    # itself (`\\\.` reads `\.`); everywhere else an escape left in the text is a bug.
    folder, kb = real_corpus
    escaped_backslash = {d.path for d in kb.documents if "\\\\" in (folder / d.path).read_text(encoding="utf-8")}
    left = [(s.doc.path, s.heading_path) for s in kb.sections
            if "\\." in prose(s.text) and s.doc.path not in escaped_backslash]
    assert left == []


def test_kubeflow_titles_come_from_toml() -> None:
    folder = corpus("kubeflow")
    result = load_folder(folder)
    checked = 0
    for f in result.files:
        text = (folder / f.document.path).read_text(encoding="utf-8")
        if not text.lstrip().startswith("+++"):
            continue
        meta = tomllib.loads(text.lstrip().split("+++", 2)[1])
        if "title" in meta:
            assert f.document.title == meta["title"].strip(), f.document.path
            checked += 1
    assert checked > 200


def test_seed_without_frontmatter_or_h1_is_titled_by_its_file_name() -> None:
    folder = corpus("seeds")
    result = load_folder(folder)
    untitled = []
    for f in result.files:
        text = (folder / f.document.path).read_text(encoding="utf-8")
        if text.lstrip().startswith(("---", "+++")) or re.search(r"^# ", text, re.MULTILINE):
            continue
        untitled.append(f.document)
    assert "The Future of Big Data AI and Cloud.md" in [d.path for d in untitled]
    for doc in untitled:
        assert doc.title == doc.path.removesuffix(".md")


def test_sagemaker_is_cut_into_many_chat_sized_sections() -> None:
    kb = KnowledgeBase.load(corpus("sagemaker"))
    assert len(kb.sections) > 5000
    assert statistics.median(len(s.text) for s in kb.sections) < 1200


def test_a_rule_under_a_heading_is_decoration_not_part_of_the_answer(tmp_path: Path) -> None:
    """MkDocs pages often put `-----` under the title (Hatch's docs do on every page): the
    answer opened with a rule, and a section of nothing but a rule was a section."""
    kb = load_one(tmp_path, (
        "# Project templates\n\n-----\n\nYou can control how new projects are created with the config file.\n\n"
        "## Author\n\nSet the author's name and email.\n\n***\n\n## Licenses\n\n- - -\n\n"
        "## Options\n\nThe list of licenses is written as SPDX identifiers:\n\n---\n\n- MIT\n"
    ))
    texts = {s.heading: s.text for s in kb.sections}
    assert texts[""].startswith("You can control how new projects") and texts["Author"] == "Set the author's name and email."
    assert "Licenses" not in texts  # nothing under it but a rule
    assert texts["Options"] == "The list of licenses is written as SPDX identifiers:\n\n---\n\n- MIT"  # inside: kept
    shown = terminal_render(Assistant(kb, IntentCatalog.load(DEFAULT_CATALOG)).reply("project templates"), width=100)
    assert shown.split("\n")[3].startswith("You can control"), shown


def test_leading_thematic_break_is_text_not_frontmatter(tmp_path: Path) -> None:
    write(tmp_path, "rule.md", "---\n\nA note that opens with a horizontal rule about GPU clusters.\n")
    write(tmp_path, "rules.md", "---\nJust prose between two rules.\n\n---\n\n# Rules\n\nMore prose about clusters.\n")
    kb = KnowledgeBase.load(tmp_path)
    assert [p.path for p in kb.problems if p.skipped] == []
    texts = " ".join(s.text for s in kb.sections)
    assert "GPU clusters" in texts and "Just prose between two rules." in texts
    repaired = {p.path for p in kb.problems if not p.skipped}
    assert repaired == {"rule.md", "rules.md"}
