"""What several servers behind a reverse proxy rely on: the shared rate-limit store from the
environment, the client's address from the proxy's X-Forwarded-For, one secret key even when worker
processes start together, and the gunicorn settings the README documents."""

from __future__ import annotations

import runpy
import threading

from engine.org.security import server_secret
from tests.conftest import ROOT
from tests.helpers import request
from tests.test_api_journey import DESK, auth
from tests.test_api_procedures_docs import API
from web import config as web_config


def test_rate_limit_store_and_proxy_hops_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("MOTCUA_SECRET_KEY", "x")
    monkeypatch.setenv("MOTCUA_RATELIMIT_STORAGE", "memcached://10.0.0.5:11211")
    monkeypatch.setenv("MOTCUA_PROXY_HOPS", "1")
    settings = web_config.from_env()
    assert settings["RATELIMIT_STORAGE_URI"] == "memcached://10.0.0.5:11211"
    assert settings["PROXY_HOPS"] == 1
    monkeypatch.delenv("MOTCUA_RATELIMIT_STORAGE")
    monkeypatch.delenv("MOTCUA_PROXY_HOPS")
    assert web_config.from_env()["RATELIMIT_STORAGE_URI"] == "memory://"
    assert web_config.from_env()["PROXY_HOPS"] == 0


def test_behind_the_proxy_each_client_has_its_own_limit(ctx, app):
    app.config["PROXY_HOPS"] = 1
    app.config["PIN_CODE_RATE_LIMIT"] = "100 per minute"  # this test is about the per-address budget
    from werkzeug.middleware.proxy_fix import ProxyFix

    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # what create_app does for PROXY_HOPS
    client = app.test_client()
    receipt = client.post(f"{API}/dossiers", json=request(), headers=auth(ctx, DESK)).get_json()

    def lookup(address: str):
        return client.post(f"{API}/public/dossiers/{receipt['code']}/lookup", json={"pin": receipt["pin"]},
                           headers={"X-Forwarded-For": address}, environ_base={"REMOTE_ADDR": "127.0.0.1"})

    for _ in range(5):  # the app fixture allows 5 per minute
        assert lookup("203.0.113.7").status_code == 200
    assert lookup("203.0.113.7").status_code == 429
    assert lookup("198.51.100.2").status_code == 200  # same proxy, another citizen


def test_create_app_honours_proxy_hops(ctx, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    from web import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "k", "PROXY_HOPS": 1}, context=ctx)
    seen = {}

    @app.get("/_whoami")
    def whoami():
        from flask import request as flask_request

        seen["addr"], seen["scheme"] = flask_request.remote_addr, flask_request.scheme
        return "ok"

    app.test_client().get("/_whoami", headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"})
    assert seen == {"addr": "203.0.113.9", "scheme": "https"}


def test_worker_processes_starting_together_agree_on_one_secret_key(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MOTCUA_SECRET_KEY", raising=False)
    keys, barrier = [], threading.Barrier(8)

    def start():
        barrier.wait()
        keys.append(server_secret())

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(keys)) == 1 and len(keys[0]) > 40
    assert (tmp_path / "var" / "secret_key").stat().st_mode & 0o777 == 0o600


def test_gunicorn_settings_as_documented(monkeypatch):
    monkeypatch.setenv("MOTCUA_WEB_WORKERS", "3")
    settings = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    assert settings["wsgi_app"] == "web.wsgi:app" and settings["workers"] == 3
    assert settings["preload_app"] is False  # each worker opens its own database connections
    assert settings["worker_class"] == "gthread"
    for unit in ("motcua-web.service", "motcua-worker.service"):
        text = (ROOT / "deploy" / unit).read_text()
        assert "EnvironmentFile=/etc/motcua/motcua.env" in text and "Restart=always" in text
