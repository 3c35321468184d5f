"""Is a link's label honest about where the link goes? Asked by the Markdown walker (bot/render.py)
for every link, so every dialect gets the answer.

A document may write `[https://slack.com/signin](https://evil.example/login)` or
`[slack.com](https://evil.example)`: rendered as a masked link it looks like Slack and opens
evil.example. `misleading(label, url)` says when a label names a site (a URL, or a host such as
`slack.com` or `docs.example.org/guide`) other than the target's host; a chat dialect then shows
the target URL itself instead of the label (`Link.bare`). Ordinary labels ("the runbook", `torch.distributed`,
`README.md`, "Node.js") are not host names and keep rendering as written.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

# `scheme://…` anywhere in a label (up to the next `http(s)://`, for `https://a.comhttps://b.com`)
_SCHEMED = re.compile(r"[a-z][a-z0-9+.-]*:/{2,}(?:(?!https?://)[^\s<>\"'`])*", re.IGNORECASE)
# host-like tokens: dotted names ending in letters (any script, or punycode), and IPv4 addresses
_HOSTLIKE = re.compile(
    r"(?<![^\W_])((?:[^\W_](?:[^\W_]|-)*\.)+([^\W\d_]{2,63}|xn--[a-z0-9-]+))(?![^\W_]|-)(/|:\d)?"
    r"|(?<![\d.])((?:\d{1,3}\.){3}\d{1,3})(?![\d.])",
    re.IGNORECASE,
)
# Top-level domains a dotted word must end in to be read as a host on its own (besides any two
# letters, a ccTLD); `torch.distributed` or `tf.keras.Model` are names in code, not hosts.
_COMMON_TLDS = frozenset(
    "com net org edu gov mil int info biz io ai app dev cloud xyz site online tech page blog shop store "
    "news live link click top club icu vip wiki art email host space website digital network systems "
    "software services solutions support help login security bank finance money pay zip mov "
    "google amazon aws microsoft apple".split()
)
# Endings that, without a path or `www.`, are file names or product names rather than hosts
# (`README.md`, `setup.py`, `Node.js`, `model.zip`), even where they are also real TLDs.
_FILE_ENDINGS = frozenset(
    "md py js ts sh rs so pl rb go cs cc hs ml mk db gz xz jl kt ex el vb ps pm tf rst txt zip mov".split()
)
_DOTS = str.maketrans({"\u3002": ".", "\uff61": ".", "\uff0e": "."})
_MARKUP = str.maketrans("", "", "*_~`|\\")


def _norm_host(host: str) -> str:
    host = host.lower().rstrip(".").removeprefix("www.")
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def target_host(url: str) -> str | None:
    """The host a link really opens (for `mailto:`, the address's domain), normalised."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if not host and parts.scheme.lower() == "mailto":
        host = parts.path.rpartition("@")[2].split("?")[0]
    return _norm_host(host) if host else None


def label_hosts(label: str) -> set[str] | None:
    """The hosts a label names, or None when it names none (an ordinary label). An empty set
    means the label is a URL whose host cannot be read (`https://`, `http://[bad`)."""
    text = unicodedata.normalize("NFKC", label).translate(_DOTS)
    text = "".join(c for c in text if unicodedata.category(c) != "Cf").translate(_MARKUP)
    hosts: set[str] = set()
    urlish = False
    for m in _SCHEMED.finditer(text):
        urlish = True
        try:
            host = urlsplit(m.group(0)).hostname
        except ValueError:
            host = None
        if host:
            hosts.add(_norm_host(host))
    for m in _HOSTLIKE.finditer(text):
        if m.group(4):  # an IPv4 address
            urlish = True
            hosts.add(m.group(4))
            continue
        name, tld, after = m.group(1), m.group(2).lower(), m.group(3)
        known = len(tld) == 2 or tld in _COMMON_TLDS or tld.startswith("xn--") or not tld.isascii()
        explicit = bool(after) or name.lower().startswith("www.")
        if explicit or (known and tld not in _FILE_ENDINGS):
            urlish = True
            hosts.add(_norm_host(name))
    return hosts if urlish else None


def misleading(label: str, url: str) -> bool:
    """Does `label` look like a URL or a host other than the one `url` opens?"""
    named = label_hosts(label)
    if named is None:
        return False
    real = target_host(url)
    return not named or real is None or any(host != real for host in named)
