"""Who may run admin commands (`reload`): the user ids in CLOUDAI_ADMINS.

Slack user ids (`U0123ABCD`) and Discord user ids (numeric snowflakes) never look alike,
so a bare id is enough; `slack:U0123` or `discord:1234` pins an id to one platform. Which
platform names exist is not known here (bot/ names no platform): the entry point (bot/cli.py)
hands in the adapters registry's names with `known_platforms`; until it does, any lower-case
name is accepted as a prefix.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable

_ID = re.compile(r"^[A-Za-z0-9]{2,40}$")
_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")
_platforms: Callable[[], Iterable[str]] | None = None


def known_platforms(names: Callable[[], Iterable[str]] | None) -> None:
    """Accept `name:id` only for these platform names (asked on each parse, so a platform
    registered later counts); None accepts any name."""
    global _platforms
    _platforms = names


@dataclass(frozen=True)
class Admins:
    ids: frozenset[tuple[str | None, str]] = frozenset()  # (platform or None for any, user id)

    @classmethod
    def parse(cls, text: str, platforms: Iterable[str] | None = None) -> "Admins":
        """`"U0123, discord:4567"`; a readable ValueError naming CLOUDAI_ADMINS otherwise. A
        prefix must be one of `platforms` (default: the names given to `known_platforms`)."""
        if platforms is None and _platforms is not None:
            platforms = _platforms()
        known = list(platforms) if platforms is not None else None
        ids = set()
        for item in (part.strip() for part in (text or "").replace(";", ",").split(",")):
            if not item:
                continue
            prefix, _, user = item.rpartition(":")
            platform = prefix.strip().lower() or None
            user = user.strip().removeprefix("<@").removesuffix(">")
            if (platform is not None and (not _NAME.match(platform) or (known is not None and platform not in known))
                    or not _ID.match(user)):
                pinned = " or ".join(f"{name}:U0123ABCD" for name in known) if known else "platform:U0123ABCD"
                raise ValueError(f"CLOUDAI_ADMINS={text!r}: {item!r} is not a user id like U0123ABCD or {pinned}")
            ids.add((platform, user))
        return cls(frozenset(ids))

    def allows(self, platform: str, user: str | None) -> bool:
        return bool(user) and ((platform, str(user)) in self.ids or (None, str(user)) in self.ids)

    def __bool__(self) -> bool:
        return bool(self.ids)
