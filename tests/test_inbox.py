"""Inbox scopes over the indexed tasks table: mine, available, unit, overdue, due soon."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.dossiers import tasks
from engine.dossiers.inbox import Scope, inbox_counts, list_inbox
from engine.errors import InvalidInput, NotAuthorized
from tests.helpers import HO_KINH_DOANH, open_tasks, receive_sample

SPECIALIST = "xa.vp.chuyenvien"


def codes(page):
    return [r.dossier_code for r in page.rows]


def test_available_then_mine(ctx, people):
    first = receive_sample(ctx, people).code
    second = receive_sample(ctx, people).code
    officer = people(SPECIALIST)
    assert codes(list_inbox(ctx, officer, Scope.AVAILABLE)) == [first, second]
    task = open_tasks(ctx, first)[0]
    tasks.claim(ctx, officer, task.id)
    assert codes(list_inbox(ctx, officer, "mine")) == [first]
    assert codes(list_inbox(ctx, officer, "available")) == [second]
    assert codes(list_inbox(ctx, people("xa.vp.chuyenvien2"), "available")) == [second]


def test_other_units_roles_and_agencies_see_nothing(ctx, people):
    receive_sample(ctx, people)
    for username in ("xa.kt.chuyenvien", "xa.motcua", "xa2.vp.chuyenvien", "stp.hctp.chuyenvien"):
        assert list_inbox(ctx, people(username), "available").total == 0


def test_unit_scope_is_for_unit_heads(ctx, people):
    code = receive_sample(ctx, people).code
    assert codes(list_inbox(ctx, people("xa.vp.truongphong"), "unit")) == [code]
    assert list_inbox(ctx, people("xa.kt.truongphong"), "unit").total == 0
    with pytest.raises(NotAuthorized):
        list_inbox(ctx, people(SPECIALIST), "unit")


def test_overdue_and_due_soon(ctx, people, clock):
    soon = receive_sample(ctx, people).code  # khai sinh: first step PT2H
    later = receive_sample(ctx, people, HO_KINH_DOANH).code
    officer = people(SPECIALIST)
    assert codes(list_inbox(ctx, officer, "due_soon", due_soon_hours=4)) == [soon]
    clock.advance(hours=3)
    assert codes(list_inbox(ctx, officer, "overdue")) == [soon]
    assert list_inbox(ctx, officer, "overdue").rows[0].overdue
    counts = inbox_counts(ctx, officer)
    assert counts["overdue"] == 1 and counts["available"] == 1 and "unit" not in counts
    assert codes(list_inbox(ctx, people("xa.kt.chuyenvien"), "available")) == [later]
    assert codes(list_inbox(ctx, people("xa.lanhdao"), "overdue")) == [soon]  # leaders watch the agency


def test_sorted_by_due_time_and_paginated(ctx, people, clock):
    made = []
    for minutes in (0, 10, 20, 30, 40):
        clock.now += timedelta(minutes=minutes and 10)
        made.append(receive_sample(ctx, people).code)
    page = list_inbox(ctx, people(SPECIALIST), "available", limit=2, offset=2)
    assert page.total == 5 and codes(page) == made[2:4]


@pytest.mark.parametrize("kwargs", [{"scope": "everything"}, {"scope": "mine", "limit": 0},
                                    {"scope": "mine", "limit": 1000}, {"scope": "mine", "offset": -1},
                                    {"scope": "due_soon", "due_soon_hours": 0}])
def test_bad_parameters(ctx, people, kwargs):
    with pytest.raises(InvalidInput):
        list_inbox(ctx, people(SPECIALIST), **kwargs)
