"""Counts as a reader says them: "1 document", "2 documents", "1 second".

Its own module because replies, the digest's records and the rate limiter all say counts,
and the digest's records are read by `cloudai feedback` and the store, which must not load
the search stack (tests/test_imports.py).
"""

from __future__ import annotations


def counted(n: int, noun: str) -> str:
    """`n` and `noun`, plural unless `n` is 1 (nouns that take an "s")."""
    return f"{n} {noun}{'' if n == 1 else 's'}"
