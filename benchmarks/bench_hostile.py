"""Load time of pages written to be slow to read, beside a plain page of the same size.

A knowledge folder is whatever a team puts in it: a page can hold thousands of unclosed
`<!--`, `{{<` or `[[`, or one line of 100,000 characters. A reader that goes back over the
rest of the page from each of them turns such a page into minutes of start-up (before
this script existed, 20,000 unclosed `<!--` took 23 s and 20,000 `[[` on one line 86 s).
Each page here holds 20,000 repeats of one construct (about 60–250 KB; pages up to 2 MiB
are loaded) and ends with a sentence that must still be loaded: nothing after the
construct is lost.

Run from the project root:  python benchmarks/bench_hostile.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.assistant import Assistant  # noqa: E402

REPEATS = 20_000
PAGES = {
    "unclosed HTML comments": "<!--x\n",
    "unclosed MDX comments": "{/*x\n",
    "unclosed Obsidian comments": "%%x\n",
    "unclosed Hugo shortcodes": "{{< x\n",
    "unclosed template tags, one line": "{% ",
    "unclosed wiki links, one line": "[[x ",
    "unclosed reference links": "[a][",
    "footnote marks and texts": "[^x]: [^x]\n",
    "unclosed inline links": "[x](",
    "unclosed attribute lists in a heading": "# x {: #",
    "MyST roles, one line": "{ref}`x ",
    "MyST roles a line break cuts": "{ref}`x\n",
    "definition lines, one term": "term\n: " + " " * 8,
    "unclosed scripts": "<script>x\n",
    "layout tags, one line": "<div>",
    "unclosed MyST directives": "```{toctree}\n",
    "callouts": "> [!note] x\n",
    "admonitions": '!!! note "x\n',
    "HTML tags, one line": "<b>x ",
    "setext headings": "x\n===\n",
    "inline attribute lists, one line": '[a](b){.c d="',
    "markdown-include code blocks never closed": "```\n{!x.py!}\n",
    "empty content tabs": '=== "x"\n    ```\n    {!x.py!}\n    ```\n',
    "code fences in list items": "1. x\n\n    ```\n    y\n    ```\n",
    "indented fence lines, no list": "    ```\n",
    "indented paragraphs after one list item": "    x y z\n\n",
    "snippet markers never paired": "--8<--\nx\n",
    "comments around code fences": "%%\n```\nx\n```\n%%\n",
    "shortcodes showing text, one line": '{{< g text="x" term_id="y" >}} ',
    "headings with no text": "##\n",
    "highlight blocks never closed": "{% highlight py %}\nx\n",
    "Liquid raw blocks, one a line": "{% raw %}{{ x }}{% endraw %}\n",
    "component blocks in a .md page": "<Tabs>\nx\n</Tabs>\n",
    "MDX components, indented content": "import S from 's';\n<Step title=\"x\">\n    y <Tip>z</Tip>\n</Step>\n",
    "snippets of a 100 KB file beside it": '--8<-- "part.txt"\n',
}
PART = "A shared paragraph of a snippet file.\n" * 2_700  # part.txt, beside the page (about 100 KB; not Markdown)
LAST = "The last sentence of the page names the pelican."


def load_seconds(body: str) -> tuple[float, bool]:
    """Seconds to load a folder of one page holding `body` (best of 3), and whether the
    page's last sentence is in what was loaded."""
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "page.md").write_text(f"# Page\n\n{body}\n\n{LAST}\n", encoding="utf-8")
        (Path(tmp) / "part.txt").write_text(PART, encoding="utf-8")
        for _ in range(3):
            started = time.perf_counter()
            assistant = Assistant.load(Path(tmp))
            times.append(time.perf_counter() - started)
    return min(times), any(LAST in section.full_text for section in assistant.kb.sections)


def main() -> int:
    rows = []
    for name, piece in PAGES.items():
        body = piece * REPEATS
        seconds, found = load_seconds(body)
        plain, _ = load_seconds(("word " * (len(body) // 5 + 1))[: len(body)])
        rows.append((name, len(body), seconds, plain, found))
    print(f"{'page (20,000 repeats)':40} {'KB':>5} {'load s':>8} {'plain s':>8} {'ratio':>6}  last sentence loaded")
    for name, size, seconds, plain, found in rows:
        print(f"{name:40} {size // 1024:5} {seconds:8.3f} {plain:8.3f} {seconds / plain:6.1f}  {'yes' if found else 'NO'}")
    print(f"median ratio to a plain page of the same size: {statistics.median(r[2] / r[3] for r in rows):.1f}x; "
          f"slowest {max(r[2] for r in rows):.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
