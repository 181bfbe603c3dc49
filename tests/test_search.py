"""Finding dossiers (issue 20, item 1) through the engine, on each database: any part of a code, a name with or
without diacritics in any case, an ID number, a phone; filters; paging; the authority rule (an officer finds
exactly the dossiers they could open, compared with check_view for every officer); hostile queries never break
the query parser; the index written in the transaction of the change and filled by the migration."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from engine.db.models import Dossier, DossierSearch, User
from engine.demo.walkthrough import complete_open_steps
from engine.dossiers import actions as dossiers
from engine.dossiers import online
from engine.dossiers.search import COUNT_CAP, Criteria, search_dossiers
from engine.dossiers.search_text import dossier_text, fold, phrases
from engine.dossiers.store import dossier_tasks
from engine.errors import InvalidInput, NotAuthorized
from engine.org.actors import Actor
from engine.org.authz import check_view
from tests.conftest import FOREIGN_XA
from tests.helpers import HO_KINH_DOANH, KHAI_SINH, applicant, receive_sample, request

XA = "000.00.31.H99"
DESK = "xa.motcua"

PEOPLE = {
    "hoa": {"name": "Trần Thị Hoa", "id_number": "001190012345", "phone": "0912 345 678", "email": "hoa@example.vn"},
    "duc": {"name": "Đỗ Minh Đức", "id_number": "079088001122", "phone": "0987654321"},
    "an": {"name": "Lê Văn An", "id_number": "", "phone": ""},
    "hoa2": {"name": "Nguyễn Thị Hoà", "id_number": "036201009999", "phone": "+84 903 111 222"},
}
HOSTILE = ['"', '""', "'", "*", "**", "tran*", "NEAR", "NEAR(tran hoa)", "tran OR hoa", "OR", "AND", "NOT",
           "-", "--", "-tran", ":", "body:tran", "dossier_search_fts:tran", "(", ")", "((tran))", "'; DROP TABLE dossiers; --",
           "\" OR 1=1 --", "%", "%%%", "_", "___", "\\", "\\\\\\", "tran\"thi", "^tran", "{body}: hoa", "a+b",
           "tran -thi", "NEAR/2", "hoa\" OR \"", "x" * 10_000, "é" * 201, "  ", "", "\t", "ạ", "ab", "💥💥💥",
           "SELECT * FROM users", "0912%", "____-0001", "[a-z]", "\u200b\u200b\u200b", "tr\u0300an"]


def codes(page) -> set[str]:
    return {row.code for row in page.rows}


def find(ctx, actor, q="", **criteria):
    return search_dossiers(ctx, actor, Criteria(q=q, **criteria), limit=200)


@pytest.fixture
def office(ctx, people, clock):
    """Dossiers in the demo commune at several stages, one in the foreign commune and one online submission."""
    clock.set_local("2026-12-07T08:00")
    made = {}
    for key, person in PEOPLE.items():
        made[key] = receive_sample(ctx, people, applicant={**applicant(), **person}).code
    clock.set_local("2026-12-09T09:00")
    made["kd"] = receive_sample(ctx, people, HO_KINH_DOANH, applicant={**applicant(), "name": "Phạm Quốc Khánh",
                                                                       "id_number": "001099000777"}).code
    complete_open_steps(ctx, made["duc"])
    dossiers.refuse(ctx, people("xa.lanhdao"), made["an"], {"reason": "Không thuộc thẩm quyền giải quyết"})
    made["foreign"] = receive_sample(ctx, people, desk="xa2.motcua",
                                     applicant={**applicant(), "name": "Trần Thị Hoa", "id_number": "001190054321"}).code
    made["online"] = online.submit_online(ctx, request(agency_code=XA, applicant={
        **applicant(), "name": "Võ Thị Hoa Mai", "phone": "0977000111"})).code
    return made


def test_folding():
    assert fold("Trần Thị Hoa") == fold("TRAN THI HOA") == "tran thi hoa"
    assert fold("Đỗ Minh Đức") == "do minh duc" and fold("Nguyễn Thị Hoà") == fold("Nguyen Thi Hoa")
    assert fold("tr\u0061\u0300n") == "tran"  # decomposed input folds like precomposed
    assert phrases("le van an") == ["le van an"] and phrases("tran thi hoa") == ["tran", "thi", "hoa"]
    assert phrases('NEAR("x" OR y*)') == ["near", "x or y"]
    assert dossier_text("000.00.31.H99-261207-0001", PEOPLE["hoa"]).startswith("tran thi hoa | 000.00.31.h99-")


def test_finds_by_name_code_id_and_phone(ctx, people, office):
    desk = people(DESK)
    hoa = office["hoa"]
    for q in ("tran thi hoa", "TRẦN THỊ HOA", "Tran Thi Hoa", "trần hoa", "thi hoa", "Hoa"):
        assert hoa in codes(find(ctx, desk, q)), q
    assert codes(find(ctx, desk, "nguyen thi hoa")) == {office["hoa2"]}
    assert codes(find(ctx, desk, "do minh duc")) == {office["duc"]} == codes(find(ctx, desk, "Đức"))
    assert codes(find(ctx, desk, "le van an")) == {office["an"]}
    assert codes(find(ctx, desk, hoa)) == {hoa}  # the whole code
    assert codes(find(ctx, desk, hoa.lower())) == {hoa}
    assert codes(find(ctx, desk, hoa[-11:])) == {hoa}  # "261207-0001"
    assert codes(find(ctx, desk, hoa.split("-")[-1])) >= {hoa}  # "0001"
    assert codes(find(ctx, desk, "H99-261209")) == {office["kd"], office["online"]}
    assert codes(find(ctx, desk, office["kd"][-15:])) == {office["kd"]}  # "H99-261209-0001"
    assert codes(find(ctx, desk, "001190012345")) == {hoa}
    assert codes(find(ctx, desk, "00119001")) == {hoa}  # part of an ID number
    assert codes(find(ctx, desk, "0912345678")) == {hoa} == codes(find(ctx, desk, "0912 345 678"))
    assert codes(find(ctx, desk, "345678")) == {hoa}
    assert codes(find(ctx, desk, "903 111 222")) == {office["hoa2"]}
    assert codes(find(ctx, desk, "hoa@example")) == {hoa}
    assert codes(find(ctx, desk, "hoa mai")) == {office["online"]}  # an online submission, before reception
    assert find(ctx, desk, "khong co ai").total == 0


def test_best_match_first_then_newest(ctx, people, office):
    desk = people(DESK)
    page = find(ctx, desk, "hoa")
    received = [row.received_at for row in page.rows]
    assert received == sorted(received, reverse=True) and page.sort == "relevance"
    code = office["hoa"]
    assert [row.code for row in find(ctx, desk, code).rows][0] == code
    oldest = find(ctx, desk, sort="oldest").rows
    assert [r.received_at for r in oldest] == sorted(r.received_at for r in oldest)


def test_filters(ctx, people, office, clock):
    desk = people(DESK)
    assert codes(find(ctx, desk, procedure=HO_KINH_DOANH)) == {office["kd"]}
    assert office["kd"] not in codes(find(ctx, desk, procedure=KHAI_SINH))
    assert codes(find(ctx, desk, statuses=("refused",))) == {office["an"]}
    assert codes(find(ctx, desk, statuses=("submitted",))) == {office["online"]}
    assert codes(find(ctx, desk, channel="online")) == {office["online"]}
    assert codes(find(ctx, desk, "hoa", channel="desk")) == {office["hoa"], office["hoa2"]}
    day = date(2026, 12, 9)
    assert codes(find(ctx, desk, received_from=day, received_to=day)) == {office["kd"], office["online"]}
    assert office["kd"] not in codes(find(ctx, desk, received_to=date(2026, 12, 8)))
    assert codes(find(ctx, desk, agency=FOREIGN_XA)) == set()  # not theirs to see
    with ctx.db.transaction() as session:
        vp = session.scalar(select(User.unit_id).where(User.username == "xa.vp.chuyenvien"))
    in_vp = codes(find(ctx, desk, unit_id=vp))
    assert office["duc"] in in_vp and office["online"] not in in_vp
    clock.set_local("2026-12-10T09:00")  # the same-day dossiers of 7/12: open past their day, or decided on 9/12
    late = codes(find(ctx, desk, late=True))
    assert late == {office[k] for k in ("hoa", "hoa2", "duc", "an")}
    assert codes(find(ctx, desk, late=False)).isdisjoint(late)
    assert codes(find(ctx, desk, late=False)) | late == codes(find(ctx, desk))


def test_paging_and_counting(ctx, people, office):
    desk = people(DESK)
    everything = find(ctx, desk)
    assert everything.total == len(everything.rows) and not everything.more
    first = search_dossiers(ctx, desk, Criteria(), limit=2, offset=0)
    second = search_dossiers(ctx, desk, Criteria(), limit=2, offset=2)
    assert first.total == everything.total and len(first.rows) == 2
    assert [r.code for r in first.rows + second.rows] == [r.code for r in everything.rows][:4]
    for limit, offset in ((0, 0), (201, 0), (10, -1)):
        with pytest.raises(InvalidInput):
            search_dossiers(ctx, desk, Criteria(), limit=limit, offset=offset)
    assert COUNT_CAP >= 1000


def test_bad_filters_are_clear_errors(ctx, people, office):
    desk = people(DESK)
    for criteria in (Criteria(statuses=("nope",)), Criteria(channel="fax"), Criteria(sort="best"),
                     Criteria(received_from=date(2026, 12, 9), received_to=date(2026, 12, 1)),
                     Criteria(due_from=date(1900, 1, 1)), Criteria(procedure="x\x00")):
        with pytest.raises(InvalidInput):
            search_dossiers(ctx, desk, criteria)


def test_hostile_queries_are_literal_or_refused(ctx, people, office):
    """FTS5 and LIKE syntax, SQL, huge and empty input: a page or a clear InvalidInput, never a parser error."""
    desk = people(DESK)
    for q in HOSTILE:
        try:
            page = search_dossiers(ctx, desk, Criteria(q=q))
        except InvalidInput as error:
            assert error.message and error.details.get("q"), q
            continue
        if fold(q).strip() and fold(q) not in ("tran thi", "tran hoa"):
            assert codes(page) <= codes(find(ctx, desk)), q
    assert find(ctx, desk, '"tran thi hoa"').rows  # quotes are separators: still the name
    assert codes(find(ctx, desk, "tran OR hoa")) == set()  # OR is a word, not an operator
    assert codes(find(ctx, desk, "tran*")) == codes(find(ctx, desk, "tran"))
    with pytest.raises(InvalidInput, match="200"):
        search_dossiers(ctx, desk, Criteria(q="x" * 10_000))
    with ctx.db.transaction() as session:  # nothing was dropped
        assert session.scalar(select(Dossier.id).limit(1)) is not None


def _viewable(ctx, actor: Actor) -> set[str]:
    with ctx.db.transaction() as session:
        found = set()
        for d in session.scalars(select(Dossier)):
            try:
                check_view(actor, session, d, dossier_tasks(session, d))
            except NotAuthorized:
                continue
            found.add(d.code)
        return found


def test_an_officer_finds_exactly_the_dossiers_they_may_open(ctx, people, office):
    """The authority proof: for every officer of the database, the search without text (all they may see) and
    with a text equals the dossiers check_view lets them open."""
    desk = people(DESK)
    with ctx.db.transaction() as session:
        usernames = list(session.scalars(select(User.username).order_by(User.username)))
    assert len(usernames) > 20
    seen_any = 0
    for username in usernames:
        actor = people(username)
        allowed = _viewable(ctx, actor)
        assert codes(find(ctx, actor)) == allowed, username
        assert codes(find(ctx, actor, "hoa")) == allowed & {office[k] for k in ("hoa", "hoa2", "foreign", "online")}, \
            username
        seen_any += bool(allowed)
    assert seen_any >= 8
    assert office["foreign"] not in codes(find(ctx, desk, "tran thi hoa"))
    assert codes(find(ctx, people("xa2.motcua"), "tran thi hoa")) == {office["foreign"]}
    assert codes(find(ctx, people("tinh.kiemsoat"), "tran thi hoa")) == {office["hoa"], office["foreign"]}


def _tasks_of(ctx, code):
    with ctx.db.transaction() as session:
        d = session.scalar(select(Dossier).where(Dossier.code == code))
        return dossier_tasks(session, d)


def test_the_index_is_written_with_the_change(ctx, people, office):
    with ctx.db.transaction() as session:
        rows = dict(session.execute(select(Dossier.code, DossierSearch.body)
                                    .join(DossierSearch, DossierSearch.dossier_id == Dossier.id)).all())
        assert set(rows) == set(session.scalars(select(Dossier.code)))
    assert rows[office["hoa"]].startswith("tran thi hoa | ")
    assert "0912345678" in rows[office["hoa"]]
    with pytest.raises(InvalidInput):  # a refused reception writes nothing, the index included
        receive_sample(ctx, people, applicant={**applicant(), "name": "X"})
    with ctx.db.transaction() as session:
        assert session.scalar(select(DossierSearch.id).where(DossierSearch.body.like("x |%"))) is None


def test_more_text_per_dossier_can_be_added(ctx, people, office):
    """Another source (a document's OCR text) adds its own row; the dossier is found by either."""
    from engine.dossiers.search_index import put_text

    with ctx.db.transaction() as session:
        dossier_id = session.scalar(select(Dossier.id).where(Dossier.code == office["duc"]))
        put_text(session, dossier_id, "document:1", "Giấy chứng nhận quyền sử dụng đất số BK 123456")
    desk = people(DESK)
    assert codes(find(ctx, desk, "quyen su dung dat")) == {office["duc"]}
    assert codes(find(ctx, desk, "do minh duc BK 123456")) == {office["duc"]}  # across its two rows
    with ctx.db.transaction() as session:
        put_text(session, dossier_id, "document:1", "Bản sao")  # replaced
    assert codes(find(ctx, desk, "quyen su dung dat")) == set()
    assert codes(find(ctx, desk, "ban sao")) == {office["duc"]}


def test_the_migration_fills_the_index_of_existing_dossiers(ctx, people, office):
    from alembic import command

    from engine.db.migrate import alembic_config

    desk, auditor = people(DESK), people("tinh.kiemsoat")
    before = {q: codes(find(ctx, auditor, q)) for q in ("tran thi hoa", "0912345678", office["kd"][-11:])}
    ctx.db.engine.dispose()
    command.downgrade(alembic_config(ctx.db), "0007")
    command.upgrade(alembic_config(ctx.db), "head")
    assert {q: codes(find(ctx, auditor, q)) for q in before} == before
    assert before["tran thi hoa"] == {office["hoa"], office["foreign"]}
    code = receive_sample(ctx, people, applicant={**applicant(), "name": "Hồ Thị Sau Nâng Cấp"}).code
    assert codes(find(ctx, desk, "sau nang cap")) == {code}  # the triggers / the GIN index are back
