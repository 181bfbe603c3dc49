"""Vietnamese first, English on request: UI strings are written in Vietnamese in the templates and
looked up here for the English switch. Kept as one table so translators work in one place."""

from __future__ import annotations

from flask import request, session

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"

EN: dict[str, str] = {
    "Đăng nhập": "Log in",
    "Đăng xuất": "Log out",
    "Tên đăng nhập": "Username",
    "Mật khẩu": "Password",
    "Hộp việc": "Inbox",
    "Tiếp nhận hồ sơ": "Reception desk",
    "Tra cứu hồ sơ": "Look up a dossier",
    "Nộp hồ sơ trực tuyến": "Submit online",
    "Tài liệu API": "API docs",
    "Hệ thống một cửa": "One-stop-shop system",
    "Không tìm thấy trang": "Page not found",
    "Có lỗi xảy ra": "Something went wrong",
    "Quay lại": "Back",
}


def current_language() -> str:
    lang = session.get("lang") or request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def translate(text: str) -> str:
    """The English text when the user chose English and a translation exists; otherwise Vietnamese."""
    if current_language() == "en":
        return EN.get(text, text)
    return text


def message_of(error) -> str:
    """A domain error's message in the user's language."""
    return error.message_en if current_language() == "en" else error.message
