"""A `Reply` as plain terminal text, for `cloudai ask` and `cloudai chat`."""

from __future__ import annotations

import textwrap

from .models import Reply
from .render import fence_lines, split_lines


def render(reply: Reply, width: int = 88) -> str:
    lines = [reply.title, "=" * min(len(reply.title), width), ""]
    code = {n for start, end in fence_lines(reply.body) for n in range(start, end)}  # ``` or ~~~: never wrapped
    for n, line in enumerate(split_lines(reply.body)):
        para = line.rstrip("\r\n")
        if n in code or len(para) <= width or para.lstrip().startswith(("```", "|", "    ")):
            lines.append(para)
        else:
            indent = para[: len(para) - len(para.lstrip())]
            bullet = para.lstrip()[:2] if para.lstrip()[:2] in ("- ", "* ", "+ ") else ""
            lines.extend(textwrap.wrap(para, width, initial_indent="", subsequent_indent=indent + " " * len(bullet)))
    if reply.sources:
        lines += ["", "Sources:"]
        lines += [f"  - {s.label}  ({s.path}#{s.anchor})" for s in reply.sources]
    if reply.suggestions:
        lines += ["", "Did you mean: " + " · ".join(reply.suggestions)]
    if reply.related:
        lines += ["", "Related: " + " · ".join(reply.related)]
    return "\n".join(lines).rstrip() + "\n"
