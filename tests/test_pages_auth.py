"""Officer sign-in and sign-out through the pages; CSRF on every form; the login rate limit."""

from __future__ import annotations

from tests.conftest import PASSWORD
from tests.page_helpers import csrf, flashes, login, post, text


def test_login_page_carries_a_csrf_token(client):
    page = client.get("/officer/login")
    assert page.status_code == 200
    body = text(page)
    assert 'name="csrf_token"' in body and "Tên đăng nhập" in body and "Mật khẩu" in body


def test_login_then_inbox_then_logout(client):
    response = login(client, "xa.motcua")
    assert response.status_code == 302 and response.headers["Location"].endswith("/officer/inbox")
    inbox = client.get("/officer/inbox")
    assert inbox.status_code == 200 and "Cán bộ một cửa (xa)" in text(inbox)
    out = post(client, "/officer/logout")
    assert out.status_code == 302 and out.headers["Location"].endswith("/officer/login")
    assert "Đã đăng xuất." in flashes(client.get("/officer/login"))
    again = client.get("/officer/inbox")
    assert again.status_code == 302 and "/officer/login" in again.headers["Location"]


def test_failed_login_shows_one_generic_message(client):
    wrong_password = login(client, "xa.motcua", "not-the-password")
    unknown_user = login(client, "nobody.here", "not-the-password")
    for response in (wrong_password, unknown_user):
        assert response.status_code == 200
        assert flashes(response) == ["Sai tên đăng nhập hoặc mật khẩu."]
    assert client.get("/officer/inbox").status_code == 302  # still signed out


def test_login_redirects_only_inside_the_site(client):
    token = csrf(client)
    response = client.post("/officer/login", data={"csrf_token": token, "username": "xa.motcua", "password": PASSWORD,
                                                    "next": "//evil.example/steal"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/officer/inbox")
    assert client.get("/officer/reception").status_code == 200  # signed in


def test_officer_pages_need_a_session(client):
    for url in ("/officer/", "/officer/inbox", "/officer/reception", "/officer/dossiers/X-1/receipt"):
        response = client.get(url)
        assert response.status_code == 302 and "/officer/login" in response.headers["Location"], url


def test_post_without_csrf_token_is_refused(client):
    assert client.post("/officer/login", data={"username": "xa.motcua", "password": "x"}).status_code == 400
    login(client, "xa.motcua")
    assert client.post("/officer/logout").status_code == 400
    assert client.post("/officer/reception", data={"procedure_code": "1.001193"}).status_code == 400
    assert client.post("/submit", data={"procedure_code": "1.001193"}).status_code == 400


def test_login_is_rate_limited_with_a_friendly_page(client):
    statuses = [login(client, "xa.motcua", "wrong-password").status_code for _ in range(6)]
    assert statuses[:5] == [200] * 5 and statuses[5] == 429
    page = text(login(client, "xa.motcua", "wrong-password"))
    assert "Quá nhiều yêu cầu" in page and "đợi một phút" in page
