"""Paging of every list a use case returns (inbox, logs, nonconformities, outbox): one bound, one error."""

from __future__ import annotations

from dataclasses import dataclass

from engine.errors import InvalidInput

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200  # rows per request; the API's schemas take the same bound


def check_paging(limit: int, offset: int) -> None:
    if not (1 <= limit <= MAX_PAGE_SIZE) or offset < 0:
        raise InvalidInput(f"Phân trang không hợp lệ (1 ≤ limit ≤ {MAX_PAGE_SIZE}, offset ≥ 0).",
                           message_en=f"Bad paging (1 ≤ limit ≤ {MAX_PAGE_SIZE}, offset ≥ 0).")


@dataclass(frozen=True)
class CountedPage:
    """A page of rows, the total that match the filter and the count by status over the whole scope."""

    rows: list[dict]
    total: int
    counts: dict[str, int]
    limit: int
    offset: int
