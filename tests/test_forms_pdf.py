"""Forms 01–07 as PDF: each rendered by the app from the week's records, read back with PDFium (pypdfium2):
page size and count, the Vietnamese text with its diacritics exactly as in the records, the embedded form font,
and a PNG of every page saved under test-artifacts/forms/ for a person to look at."""

from __future__ import annotations

import ctypes
import unicodedata

import pytest

from tests.conftest import ROOT
from tests.page_helpers import login
from tests.records_scenario import (
    APOLOGY_REASON,
    REFUSAL_REASON,
    REJECTION_REASON,
    SUPPLEMENT,
    WITHDRAWAL_REASON,
    seed_week,
)
from web.pdf import form_font

pdfium = pytest.importorskip("pypdfium2", reason="pypdfium2 missing: install the test extra (pip install -e '.[test]')")
import pypdfium2.raw as pdfium_raw  # noqa: E402

ARTIFACTS = ROOT / "test-artifacts" / "forms"
MM = 72 / 25.4  # PDF points per millimetre
A4, A5 = (210, 297), (148, 210)

FORMS = [  # (artefact name, dossier, form, page size in mm, strings the PDF text must hold)
    ("mau-01-giay-tiep-nhan", "A", "01", A5,
     ["GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
      "Tiếp nhận hồ sơ của: Nguyễn Văn An", "Tờ khai đăng ký khai sinh", "17 giờ 00 phút, ngày 07/12/2026"]),
    ("mau-02-yeu-cau-bo-sung", "B", "02", A4,
     ["PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ", "Hồ sơ của: Trần Thị Bình", *SUPPLEMENT["missing"],
      "Lý do: " + SUPPLEMENT["reason"], "NGƯỜI HƯỚNG DẪN", "Ngày 07 tháng 12 năm 2026"]),
    ("mau-02-truoc-tiep-nhan", "E", "02", A4,
     ["PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ", "Hoàng Văn Em", "Giấy chứng sinh (bản chính)"]),
    ("mau-03-tu-choi-giai-quyet", "C", "03", A4,
     ["PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ", "Lê Văn Cường", REFUSAL_REASON, "Lãnh đạo (xa)"]),
    ("mau-03-tu-choi-tiep-nhan", "D", "03", A4,
     ["PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ", "Phạm Thị Dung", REJECTION_REASON, "NGƯỜI TIẾP NHẬN HỒ SƠ"]),
    ("mau-04-xin-loi-hen-lai", "B", "04", A4,
     ["PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ", "Lý do: " + APOLOGY_REASON, "17 giờ 00 phút, ngày 14/12/2026",
      "Phòng Kinh tế", "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ", "Trưởng Phòng Kinh tế"]),
    ("mau-05-dung-giai-quyet", "F", "05", A4,
     ["THÔNG BÁO DỪNG GIẢI QUYẾT HỒ SƠ", "Vũ Thị Giang", "Lý do: " + WITHDRAWAL_REASON]),
    ("mau-06-phieu-kiem-soat", "A", "06", A4,
     ["PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ", "Bộ phận Một cửa", "Lãnh đạo UBND xã", "Quá hạn"]),
]


@pytest.fixture(scope="module", autouse=True)
def _renderer_available():
    try:
        import weasyprint  # noqa: F401
    except OSError as error:
        pytest.skip(f"WEASYPRINT CANNOT LOAD PANGO ({error}): run `make pdf-deps`; PDF forms are NOT tested")
    if form_font() is None:
        pytest.skip("NO VIETNAMESE FORM FONT (fonts-noto-core / fonts-dejavu-core): run `make pdf-deps`; "
                    "PDF forms are NOT tested")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)


def _read(pdf_bytes: bytes, name: str) -> tuple[list[tuple[float, float]], str, set[str]]:
    """Page sizes (mm), the text (pages joined, lines unwrapped) and the fonts; PNGs saved as artefacts."""
    document = pdfium.PdfDocument(pdf_bytes)
    sizes, texts, fonts = [], [], set()
    for index in range(len(document)):
        page = document[index]
        width, height = page.get_size()
        sizes.append((round(width / MM), round(height / MM)))
        page.render(scale=2).to_pil().save(ARTIFACTS / f"{name}-p{index + 1}.png")
        textpage = page.get_textpage()
        texts.append(textpage.get_text_range())
        for char in range(0, textpage.count_chars(), 5):
            size = pdfium_raw.FPDFText_GetFontInfo(textpage, char, None, 0, None)
            buffer = ctypes.create_string_buffer(size)
            pdfium_raw.FPDFText_GetFontInfo(textpage, char, buffer, size, None)
            fonts.add(buffer.value.decode().split("+")[-1])
    text = " ".join(" ".join(t.split()) for t in texts)  # a wrapped line reads as one
    return sizes, text, fonts


@pytest.fixture
def desk(app, ctx, people, clock):
    week = seed_week(ctx, people, clock)
    client = app.test_client()
    assert login(client, "xa.motcua").status_code == 302
    return client, week


@pytest.mark.parametrize("name, key, number, size, expected", FORMS, ids=[f[0] for f in FORMS])
def test_form_pdf_has_the_vietnamese_text_and_the_embedded_font(desk, name, key, number, size, expected):
    client, week = desk
    response = client.get(f"/officer/dossiers/{week[key]}/forms/{number}", query_string={"format": "pdf"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == f'inline; filename="mau-{number}-{week[key]}.pdf"'
    sizes, text, fonts = _read(response.data, name)
    assert sizes == [size], "one page of the form's paper size"
    assert unicodedata.is_normalized("NFC", text)  # precomposed letters, as typed: no stray combining marks
    for snippet in [f"Mẫu số {number}", week[key], *expected]:
        assert snippet in text, snippet
    assert "Motcua-Form-Serif" in fonts and "Motcua-Form-Serif-Bold" in fonts
    assert "Quay lại hồ sơ" not in text and "Tải PDF" not in text  # the screen toolbar is not printed


def test_tracking_book_pdf_is_a4_landscape(desk):
    client, week = desk
    response = client.get("/officer/records/tracking-book",
                          query_string={"from": "2026-12-07", "to": "2026-12-11", "format": "pdf"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    sizes, text, fonts = _read(response.data, "mau-07-so-theo-doi")
    assert sizes == [(297, 210)]
    for snippet in ["SỔ THEO DÕI HỒ SƠ", "Mẫu số 07", "Từ ngày 07/12/2026 đến ngày 11/12/2026", "Nguyễn Văn An",
                    "Trần Thị Bình", "Lê Văn Cường", "Vũ Thị Giang", "Đăng ký thành lập hộ kinh doanh", "Đúng hạn",
                    "Từ chối giải quyết", "Đã rút hồ sơ", "Trả kết quả cho cá nhân, tổ chức"]:
        assert snippet in text, snippet
    assert "Phạm Thị Dung" not in text and "Hoàng Văn Em" not in text  # never received
    assert "Motcua-Form-Serif" in fonts


def test_the_pdf_renderer_reads_nothing_outside_the_app(app):
    from web.pdf import _local_file

    with app.test_request_context("/officer/"):
        assert _local_file("http://localhost/static/css/forms.css").name == "forms.css"
        assert _local_file("http://localhost/officer/fonts/form-serif-bold.ttf").suffix == ".ttf"
        for url in ("http://example.org/static/css/app.css", "file:///etc/passwd",
                    "http://localhost/static/../../pyproject.toml", "http://localhost/officer/dossiers/X/forms/02"):
            with pytest.raises(ValueError):
                _local_file(url)


def test_receipt_pdf_printed_right_after_reception_holds_the_pin(app, ctx):
    """The PIN is shown once: the first receipt view after reception prints it, as HTML or as PDF; the HTML page
    that showed it posts it back for its PDF (never in a URL); a later print says it was handed out."""
    import re

    from engine.dossiers.views import public_lookup
    from tests.page_helpers import csrf_from
    from tests.test_pages_dossier import officer, receive_on_page

    desk = officer(app, "xa.motcua")
    code = receive_on_page(desk).headers["Location"].split("/")[-2]
    first = desk.get(f"/officer/dossiers/{code}/receipt?format=pdf")
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    _, text, _ = _read(first.data, "mau-01-ngay-sau-tiep-nhan")
    pin = re.search(r"\(PIN\): ((?:\d ?){8})", text).group(1).replace(" ", "")  # letter-spaced on the form
    assert public_lookup(ctx, code, pin)["code"] == code
    _, later, _ = _read(desk.get(f"/officer/dossiers/{code}/receipt?format=pdf").data, "mau-01-in-lai")
    assert pin not in later.replace(" ", "") and "PIN đã cấp khi tiếp nhận" in later

    code = receive_on_page(desk).headers["Location"].split("/")[-2]
    page = desk.get(f"/officer/dossiers/{code}/receipt").get_data(as_text=True)
    pin = re.search(r'<strong class="pin">(\d{8})</strong>', page).group(1)
    assert f'action="/officer/dossiers/{code}/receipt?format=pdf"' in page and "?pin=" not in page
    posted = desk.post(f"/officer/dossiers/{code}/receipt?format=pdf", data={"csrf_token": csrf_from(page), "pin": pin})
    assert pin in _read(posted.data, "mau-01-tu-trang-giay-hen")[1].replace(" ", "")
    forged = desk.post(f"/officer/dossiers/{code}/receipt?format=pdf",
                       data={"csrf_token": csrf_from(page), "pin": "12345678" if pin != "12345678" else "87654321"})
    assert "PIN đã cấp khi tiếp nhận" in _read(forged.data, "mau-01-pin-sai")[1]  # only the dossier's own PIN
