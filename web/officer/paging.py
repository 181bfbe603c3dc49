"""Page numbers from the query string, shared by the officers' list pages."""

from __future__ import annotations

from flask import request

MAX_PAGE = 100_000


def page_number() -> int:
    """``?page=`` as a positive number; anything else is page 1."""
    raw = request.args.get("page", "1")
    return min(int(raw), MAX_PAGE) if raw.isdigit() and int(raw) >= 1 else 1


def pages(total: int, size: int) -> int:
    return max(1, -(-total // size))
