"""Helpers for the page tests: CSRF tokens scraped from the rendered forms, officer sign-in, flashes."""

from __future__ import annotations

import html
import re

from tests.conftest import PASSWORD

_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(page: str) -> str:
    match = _TOKEN.search(page)
    assert match, "no CSRF token on the page"
    return match.group(1)


def csrf(client, url: str = "/officer/login") -> str:
    """A token valid for the client's session, taken from a page that has a form."""
    return csrf_from(client.get(url).get_data(as_text=True))


def login(client, username: str, password: str = PASSWORD):
    token = csrf(client, "/officer/login")
    return client.post("/officer/login", data={"csrf_token": token, "username": username, "password": password})


def post(client, url: str, data: dict | None = None, token_from: str = "/officer/", **kwargs):
    """POST a form the way a browser would: with the CSRF token of the session."""
    payload = {"csrf_token": csrf(client, token_from), **(data or {})}
    return client.post(url, data=payload, **kwargs)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def flashes(response) -> list[str]:
    return [html.unescape(m) for m in re.findall(r'<div class="flash[^"]*" role="alert">(.*?)</div>',
                                                 response.get_data(as_text=True), re.S)]
