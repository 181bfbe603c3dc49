"""Where a web request's CPU goes: the officer's loop of (c) — read a page of the inbox, claim, complete —
run in-process through Flask's test client against a fresh seeded database, sampled by pyinstrument. Each
sample is charged to one layer (token sign-in, the engine use case, flask-smorest/marshmallow, Flask-Login,
Flask-Limiter, CSRF, session cookie, i18n, logging, Flask/Werkzeug), so a change to the web layer shows
up as that layer's milliseconds per request.

    .venv/bin/python bench/profile_http.py [--db sqlite|postgres] [--completions 300]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import DATA, Databases, context, request  # noqa: E402
from bench.http_api import LANES  # noqa: E402
from tests.load import add_officers  # noqa: E402

API = "/api/v1"

# (marker in a frame's file path, layer): the OUTERMOST frame matching a "sticky" marker owns everything
# beneath it (the sign-in's query is sign-in, not "engine"); otherwise the innermost library frame does.
STICKY = (("web/auth.py", "token sign-in"), ("/engine/", "engine use case"))
STICKY_LAYERS = {layer for _, layer in STICKY}
LIBRARIES = (
    ("werkzeug/test.py", "test client (not server)"), ("flask/testing.py", "test client (not server)"),
    ("flask_login", "Flask-Login"), ("flask_limiter", "Flask-Limiter"), ("/limits/", "Flask-Limiter"),
    ("flask_wtf", "CSRF"), ("wtforms", "CSRF"), ("itsdangerous", "session cookie"),
    ("flask/sessions.py", "session cookie"), ("web/i18n.py", "i18n"), ("/logging/", "logging"),
    ("flask_smorest", "flask-smorest/marshmallow"), ("marshmallow", "flask-smorest/marshmallow"),
    ("webargs", "flask-smorest/marshmallow"), ("apispec", "flask-smorest/marshmallow"),
    ("web/api/", "web/api views"), ("/flask/", "Flask/Werkzeug"), ("werkzeug", "Flask/Werkzeug"),
    ("/web/", "web (other)"), ("sqlalchemy", "engine use case"),
)


def layer_of(stack: list[str]) -> str:
    inner = "other (stdlib, json, ...)"
    for frame in stack:
        path = frame.split("\x00")[1] if "\x00" in frame else frame
        for marker, layer in STICKY:
            if marker in path:
                return layer
        for marker, layer in LIBRARIES:
            if marker in path:
                inner = layer
                break
    return inner


def officer_loop(client, headers: dict, completions: int) -> int:
    """A real officer's client: read a page of 50, work through it (claim, complete), read the next page."""
    requests_made = done = 0
    while done < completions:
        response = client.get(API + "/tasks?scope=available&limit=50", headers=headers)
        requests_made += 1
        rows = response.get_json()["items"]
        if not rows:
            return requests_made
        for row in rows:
            if done >= completions:
                break
            claimed = client.post(f"{API}/tasks/{row['id']}/claim", headers=headers)
            requests_made += 1
            if claimed.status_code != 200:
                continue
            finished = client.post(f"{API}/tasks/{row['id']}/complete", json={"data": DATA.get(row["step_id"], {})},
                                   headers=headers)
            requests_made += 1
            assert finished.status_code == 200, finished.get_json()
            done += 1
    return requests_made


def profile(url: str, completions: int, dossiers: int) -> dict:
    from pyinstrument import Profiler

    from web import create_app

    ctx = context(url)
    officers = add_officers(ctx, per_lane=1, desks=1, prefix="prof", lanes=LANES)
    app = create_app({"DATABASE_URL": url, "TESTING": False}, context=ctx)
    client = app.test_client()
    desk = {"Authorization": f"Bearer {officers.tokens[officers.desks[0]]}"}
    for n in range(dossiers):
        assert client.post(API + "/dossiers", json=request(f"Người nộp {n}"), headers=desk).status_code == 201
    clerk = {"Authorization": f"Bearer {officers.tokens[officers.workers[0]]}"}  # the specialist: first step
    officer_loop(client, clerk, 20)  # warm-up: caches, compiled statements
    profiler = Profiler(interval=0.0005)
    cpu = time.process_time()
    profiler.start()
    made = officer_loop(client, clerk, completions)
    profiler.stop()
    cpu = time.process_time() - cpu
    layers: Counter = Counter()
    functions: Counter = Counter()  # (layer, the innermost frame of that layer's library or the leaf)
    for stack, seconds in profiler.last_session.frame_records:
        layer = layer_of(stack)
        layers[layer] += seconds
        functions[(layer, _frame_name(stack[-1]))] += seconds
    total = sum(layers.values())
    ctx.db.dispose()
    scale = 1000 * cpu / total / made
    return {"requests": made, "cpu_ms_per_request": 1000 * cpu / made,
            "layers_ms_per_request": {k: round(v * scale, 3) for k, v in layers.most_common()},
            "functions_ms_per_request": dict([(k, round(v * scale, 3)) for k, v in functions.most_common()
                                              if k[0] not in STICKY_LAYERS][:45])}


def _frame_name(frame: str) -> str:
    function, path, line = (frame.split("\x00") + ["", ""])[:3]
    return f"{function} ({'/'.join(path.split('/')[-2:])}:{line})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--completions", type=int, default=300)
    parser.add_argument("--detail", action="store_true", help="also the leaf functions costing the most")
    args = parser.parse_args()
    databases = Databases(want_postgres=args.db == "postgres")
    try:
        result = profile(databases.fresh(args.db, "prof"), args.completions, args.completions + 40)
    finally:
        databases.close()
    print(f"{args.db}: {result['requests']} requests, {result['cpu_ms_per_request']:.2f} CPU ms per request")
    for layer, ms in result["layers_ms_per_request"].items():
        print(f"  {ms:7.3f} ms  {layer}")
    if args.detail:
        print("leaf functions (self time):")
        for (layer, function), ms in result["functions_ms_per_request"].items():
            print(f"  {ms:7.3f} ms  {layer:26s} {function}")


if __name__ == "__main__":
    main()
