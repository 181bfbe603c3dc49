"""The citizens' catalogue (engine.procedures.catalogue): search by code or name with or without diacritics, by
field and level, and bad input refused with a clear message. The folding rule is engine.inputs.textfold."""

from __future__ import annotations

import pytest

from engine.errors import InvalidInput
from engine.inputs.textfold import fold, words
from engine.procedures.catalogue import MAX_QUERY, catalogue_filters, search_catalogue
from tests.helpers import HO_KINH_DOANH, KHAI_SINH


def codes(rows):
    return [r["code"] for r in rows]


def test_fold_drops_marks_case_and_d_bar():
    assert fold("  Đăng   ký KHAI SINH ") == "dang ky khai sinh"
    assert fold("Cấp Phiếu lý lịch tư pháp") == "cap phieu ly lich tu phap"
    assert fold("Đất đai") == fold("dat dai") == fold("ĐẤT ĐAI")
    assert fold(None) == "" and words("  ") == []
    assert fold("Hoà") == fold("Hòa") == "hoa"  # old and new tone placement, composed or not


@pytest.mark.parametrize("query", ["Đăng ký khai sinh", "dang ky khai sinh", "DANG KY KHAI SINH", "khai sinh",
                                   "1.001193", "001193", "sinh  khai"])
def test_search_by_name_or_code_with_or_without_diacritics(ctx, query):
    assert codes(search_catalogue(ctx, query)) == [KHAI_SINH]


def test_empty_query_lists_everything_in_force_and_filters_narrow_it(ctx):
    everything = codes(search_catalogue(ctx, ""))
    assert len(everything) == 6 and everything == sorted(everything)
    assert set(codes(search_catalogue(ctx, "", level="commune"))) == {KHAI_SINH, HO_KINH_DOANH, "2.000815"}
    assert codes(search_catalogue(ctx, "", field="Hộ tịch")) == [KHAI_SINH]
    assert codes(search_catalogue(ctx, "dang ky", level="commune")) == [KHAI_SINH, HO_KINH_DOANH]
    assert codes(search_catalogue(ctx, "dat dai", level="province")) == ["1.012765"]
    assert search_catalogue(ctx, "khai sinh", level="province") == []
    row = search_catalogue(ctx, "khai sinh")[0]
    assert row["name"] == "Đăng ký khai sinh" and row["field"] == "Hộ tịch" and row["required_documents"]


def test_filters_offer_the_fields_and_levels_in_use(ctx):
    filters = catalogue_filters(ctx)
    assert "Hộ tịch" in filters["fields"] and "Đất đai" in filters["fields"]
    assert filters["levels"] == ["commune", "province"]


@pytest.mark.parametrize("query", ["%", "_", "\\", "'; DROP TABLE procedures; --", "<script>", "💥", "zzzz"])
def test_odd_characters_are_searched_for_literally(ctx, query):
    assert search_catalogue(ctx, query) == []


def test_bad_input_is_a_clear_error(ctx):
    with pytest.raises(InvalidInput) as too_long:
        search_catalogue(ctx, "a" * 10_000)
    assert "quá dài" in str(too_long.value.message) and str(MAX_QUERY) in str(too_long.value.message)
    with pytest.raises(InvalidInput):
        search_catalogue(ctx, "khai\x00sinh")
    with pytest.raises(InvalidInput):
        search_catalogue(ctx, "", level="planet")


def test_a_new_version_updates_the_catalogue(ctx, tmp_path):
    import shutil

    from engine.procedures.publishing import publish
    from tests.conftest import PROCESSES

    package = tmp_path / "dang_ky_khai_sinh"
    shutil.copytree(PROCESSES / "dang_ky_khai_sinh", package)
    card = package / "procedure.toml"
    card.write_text(card.read_text(encoding="utf-8").replace('name = "Đăng ký khai sinh"',
                                                             'name = "Đăng ký khai sinh lưu động"'), encoding="utf-8")
    publish(ctx, package, note="tên mới")
    assert codes(search_catalogue(ctx, "luu dong")) == [KHAI_SINH]
