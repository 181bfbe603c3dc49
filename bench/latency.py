"""Read paths over a large data set: an officer's inbox and the citizen's lookup through HTTP (one client,
sequential, after a warm-up), the KPI report through the engine, and the server's memory."""

from __future__ import annotations

import random
import time
from datetime import date, timedelta

from sqlalchemy import select

from bench.common import context, percentiles, served
from bench.generate import FIRST_ID, GENERATED_PIN
from bench.http_api import server_rss_mb
from engine.db.models import Dossier
from engine.org import directory as org
from engine.org.actors import Actor
from tests.http_client import JsonClient

INBOX_OFFICER = "xa.kt.chuyenvien"  # specialist of the demo commune's economic unit: its share of the open steps
KPI_ACTORS = ("tinh.kiemsoat", "xa.lanhdao")  # the province-wide report if allowed, else the commune's


def _kpi(ctx) -> tuple[float, str]:
    try:
        from engine import kpis
    except ImportError:  # pragma: no cover - before engine/kpis existed
        return float("nan"), "engine.kpis missing"
    today = date.today()
    query = {"from": (today - timedelta(days=365)).replace(day=1).isoformat(), "to": today.isoformat()}
    for username in KPI_ACTORS:
        with ctx.db.transaction() as session:
            actor = Actor.of(org.user_by_username(session, username))
            agency = actor.agency_id
        extra = {"include_sub": True} if username.startswith("tinh") else {}
        try:
            started = time.perf_counter()
            kpis.kpi_report(ctx, actor, kpis.parse({**query, **extra}))
            return time.perf_counter() - started, f"{username} (agency #{agency}{', with sub-agencies' if extra else ''}, 12 months)"
        except Exception as exc:  # not allowed for this actor: try the next
            last = f"{username}: {type(exc).__name__}: {exc}"
    return float("nan"), last


def run(url: str, requests: int = 300) -> dict:
    ctx = context(url)
    token = org.issue_token(ctx, INBOX_OFFICER)
    with ctx.db.transaction() as session:
        codes = list(session.scalars(select(Dossier.code).where(Dossier.id >= FIRST_ID)
                                     .order_by(Dossier.id).limit(200_000)))
    rng = random.Random(3)
    with served(url, workers=2, threads=4, env={"MOTCUA_LOOKUP_RATE_LIMIT": "1000000 per minute"}) as server:
        officer, citizen = JsonClient(server.url, token), JsonClient(server.url)
        inbox_total = None
        for _ in range(20):  # warm-up
            status, page = officer.get("/tasks?scope=available&limit=50")
            citizen.get(f"/public/dossiers/{rng.choice(codes)}?pin={GENERATED_PIN}")
        assert status == 200, page
        inbox_total = page["total"]
        officer.latencies.clear()
        citizen.latencies.clear()
        for _ in range(requests):
            status, _ = officer.get("/tasks?scope=available&limit=50")
            assert status == 200
        for _ in range(requests):
            status, body = citizen.get(f"/public/dossiers/{rng.choice(codes)}?pin={GENERATED_PIN}")
            assert status == 200, body
        rss = server_rss_mb(server)
    kpi_seconds, kpi_what = _kpi(ctx)
    ctx.db.dispose()
    return {"inbox": percentiles(officer.latencies), "lookup": percentiles(citizen.latencies),
            "inbox_rows": inbox_total, "kpi_seconds": kpi_seconds, "kpi_what": kpi_what, "rss_mb": rss}
