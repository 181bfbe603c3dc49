"""The officer's inbox page: scope tabs with counts, rows by due time, overdue / due-soon marks, paging."""

from __future__ import annotations

import re

from tests.helpers import HO_KINH_DOANH, KHAI_SINH, receive_sample
from tests.page_helpers import login, text


def rows(page: str) -> list[tuple[str, str]]:
    """(row class, dossier code) of each inbox row, in order."""
    return re.findall(r'<tr class="([^"]*)">\s*<td class="nowrap"><a href="/officer/dossiers/[^"]+">([^<]+)</a>', page)


def tab_counts(page: str) -> dict[str, int]:
    return {scope: int(count) for scope, count in re.findall(
        r'href="/officer/inbox\?scope=(\w+)"[^>]*>[^<]*<span class="count">(\d+)</span>', page)}


def test_desk_sees_its_scopes_without_the_unit_tab(client):
    login(client, "xa.motcua")
    page = text(client.get("/officer/"))
    assert tab_counts(page) == {"mine": 0, "available": 0, "overdue": 0, "due_soon": 0}
    assert "Không có hồ sơ nào trong mục này." in page


def test_specialist_sees_new_work_due_soon_then_overdue(client, ctx, people, clock):
    first = receive_sample(ctx, people, KHAI_SINH)  # first step due 10:00
    login(client, "xa.vp.chuyenvien")
    page = text(client.get("/officer/inbox"))
    assert tab_counts(page) == {"mine": 0, "available": 1, "overdue": 0, "due_soon": 1}
    assert rows(page) == [("due-soon", first.code)]
    assert "Sắp đến hạn</span>" in page and "Thẩm định hồ sơ" in page and "Trần Thị Bình" in page

    clock.advance(hours=3)  # 11:00: the first step is late; a new dossier arrives, due 13:30
    second = receive_sample(ctx, people, KHAI_SINH)
    page = text(client.get("/officer/inbox?scope=available"))
    assert tab_counts(page)["overdue"] == 1 and tab_counts(page)["due_soon"] == 1
    assert rows(page) == [("overdue", first.code), ("due-soon", second.code)]
    assert '<span class="badge overdue">Quá hạn</span>' in page
    assert rows(text(client.get("/officer/inbox?scope=overdue"))) == [("overdue", first.code)]


def test_rows_are_sorted_by_due_time(client, ctx, people, clock):
    business = receive_sample(ctx, people, HO_KINH_DOANH)  # step due Tuesday 08:00
    clock.advance(minutes=10)
    birth = receive_sample(ctx, people, KHAI_SINH)  # step due today 10:10
    login(client, "xa.lanhdao")  # the leader supervises the whole agency
    page = text(client.get("/officer/inbox?scope=due_soon"))
    assert [code for _, code in rows(page)] == [birth.code, business.code]


def test_unit_head_has_the_unit_tab_others_get_403(client, ctx, people):
    receive_sample(ctx, people, KHAI_SINH)
    login(client, "xa.vp.truongphong")
    page = text(client.get("/officer/inbox?scope=unit"))
    assert tab_counts(page)["unit"] == 1 and len(rows(page)) == 1
    other = client.application.test_client()
    login(other, "xa.vp.chuyenvien")
    assert "scope=unit" not in text(other.get("/officer/inbox"))
    assert other.get("/officer/inbox?scope=unit").status_code == 403


def test_inbox_pages(client, ctx, people, clock, monkeypatch):
    import web.officer.inbox as inbox_page

    monkeypatch.setattr(inbox_page, "PAGE_SIZE", 1)
    first = receive_sample(ctx, people, KHAI_SINH)
    clock.advance(minutes=5)
    second = receive_sample(ctx, people, KHAI_SINH)
    login(client, "xa.vp.chuyenvien")
    one = text(client.get("/officer/inbox?scope=available"))
    assert [c for _, c in rows(one)] == [first.code] and "Trang 1/2" in one and "page=2" in one
    two = text(client.get("/officer/inbox?scope=available&page=2"))
    assert [c for _, c in rows(two)] == [second.code] and "Trang 2/2" in two


def test_open_by_code_box(client, ctx, people):
    receipt = receive_sample(ctx, people, KHAI_SINH)
    login(client, "xa.motcua")
    response = client.get(f"/officer/dossiers?code={receipt.code}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/officer/dossiers/{receipt.code}")
