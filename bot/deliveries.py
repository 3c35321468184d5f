"""Has this event been handled already? Every platform asks the conversation before acting.

Chat platforms deliver some events more than once: Slack retries an event it thinks was
missed (to whichever instance its load balancer picks), a gateway may replay events after a
reconnect. An event is handled once when its id is asked here first: this instance's memory
answers at once, and the shared store (when there is one) makes every instance agree.

Asking happens before the acknowledgement (Slack wants one within 3 seconds), so the store
is never waited on for long (bot.bounded): a store that is down, locked or slower than
`deadline` leaves the memory's answer standing. An event may then be answered twice across
instances; it is never dropped.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from .bounded import BoundedCalls, Recent, StoreUnavailable

if TYPE_CHECKING:
    from .store import Store

log = logging.getLogger("cloudai.deliveries")
DEADLINE = 0.3  # seconds the store may take to say whether an event is new
BACKLOG = 20  # store questions still unanswered beyond which the store is not asked at all
REMEMBERED = 5000  # event ids this instance keeps in memory


class Deliveries:
    """`first_time(key)`: True the first time an event key is seen (by any instance sharing
    the store), False for every later delivery."""

    def __init__(self, store: "Store | None" = None, deadline: float = DEADLINE, size: int = REMEMBERED) -> None:
        self._store = store
        self._seen: Recent[str, None] = Recent(size)
        self._calls = BoundedCalls(deadline, backlog=BACKLOG, thread_name="cloudai-dedupe") if store else None

    def first_time(self, key: str) -> bool:
        if not self._seen.put(key, None, replace=False):  # this instance has seen it
            return False
        if self._store is None or self._calls is None:
            return True
        try:
            return bool(self._calls.call(self._store.first_time, key))
        except StoreUnavailable as exc:
            log.warning("state store %s; deduplicating this event in memory", exc)
            return True
