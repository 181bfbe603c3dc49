"""Fuzzing the REST API from its OpenAPI document (issue 16, "Done when"): schemathesis generates requests for
every documented operation, valid ones and invalid ones, sends them to the Flask app in-process (WSGI) with a
demo officer's bearer token, and checks that no answer is a server error and that every answer has a documented
status code, content type and schema.

Bounded and deterministic: a fixed number of examples per operation and generation mode, derandomised
(the same requests on every run), no shrinking, no example database; under a minute per database.
"""

from __future__ import annotations

import math
import os
import re
import warnings
from collections import Counter

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable

schemathesis = pytest.importorskip("schemathesis")  # the `test` extra (pyproject.toml)

from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from engine.org.directory import issue_token  # noqa: E402

OPENAPI = "/api/v1/openapi.json"
# Per pass (valid with real objects, valid, invalid): ≈ 500 requests per database, ≈ 40 s on SQLite;
# MOTCUA_FUZZ_EXAMPLES=200 for a deeper run by hand.
EXAMPLES_PER_OPERATION = int(os.environ.get("MOTCUA_FUZZ_EXAMPLES", "5"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
OFFICERS = {  # the demo officer whose token an operation is called with (path prefix → user name)
    "/api/v1/designer": "tinh.thietke",
    "/api/v1/reports": "xa.lanhdao",
    "/api/v1/nonconformities": "xa.auditor",
}
DEFAULT_OFFICER = "xa.motcua"

# Known server errors owned by a change being made at the same time (issue 16, defect 5: one input policy at
# the boundary): a NUL byte in text (500 on PostgreSQL), a non-finite or huge number such as 1e999, a date near
# year 1 or 9999 (OverflowError). A 5xx on a request carrying one of these is reported as a warning, not a
# failure; once defect 5 lands, delete KNOWN_DEFECT_5 and its use so that they fail again.
_HUGE_YEAR = re.compile(r"(?<!\d)(0{3}[0-1]|9999)-\d\d-\d\d")


def KNOWN_DEFECT_5(case) -> str | None:  # noqa: N802 (named for what it marks)
    def walk(value):
        if isinstance(value, str):
            if "\x00" in value or "%00" in value:
                return "NUL byte"
            if _HUGE_YEAR.search(value):
                return "date near year 1 or 9999"
            try:
                number = float(value)
            except ValueError:
                return None
            return "non-finite or huge number" if not math.isfinite(number) or abs(number) > 1e300 else None
        if isinstance(value, float) and (not math.isfinite(value) or abs(value) > 1e300):
            return "non-finite or huge number"
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2 ** 63:
            return "huge integer"
        if isinstance(value, dict):
            return next(filter(None, (walk(k) or walk(v) for k, v in value.items())), None)
        if isinstance(value, (list, tuple)):
            return next(filter(None, (walk(v) for v in value)), None)
        return None

    return walk([case.path_parameters, case.query, case.body, case.headers])


@pytest.fixture
def api_schema(app):
    app.config["RATELIMIT_ENABLED"] = False  # time-based budgets would make the run depend on the clock
    from web.extensions import limiter

    limiter.enabled = False
    yield schemathesis.openapi.from_wsgi(OPENAPI, app)
    limiter.enabled = True


def _operations(schema):
    for result in schema.get_all_operations():
        yield result.ok()


def _officer(path: str) -> str:
    return next((user for prefix, user in OFFICERS.items() if path.startswith(prefix)), DEFAULT_OFFICER)


@pytest.fixture
def records(ctx, people, clock) -> dict[str, object]:
    """Real objects for the path parameters, so valid requests reach the handlers (not only their 404s)."""
    from datetime import timedelta

    from engine.design import packages as package_io
    from engine.dossiers import online
    from engine.worker.sweep import sweep
    from tests.helpers import KHAI_SINH, open_tasks, receive_sample, request

    late = receive_sample(ctx, people).code
    clock.now = open_tasks(ctx, late)[0].due_at + timedelta(minutes=1)
    sweep(ctx)  # a late step: a nonconformity
    working = receive_sample(ctx, people).code
    submitted = online.submit_online(ctx, request(agency_code="000.00.31.H99")).code
    designer = people("tinh.thietke")
    _name, exported = package_io.export_version(ctx, designer, KHAI_SINH, 1)
    draft = package_io.import_package(ctx, designer, exported).draft_id
    from sqlalchemy import select

    from engine.db.models import Nonconformity

    with ctx.db.transaction() as session:
        nc_id = session.scalar(select(Nonconformity.id))
    return {"dossier": working, "submitted": submitted, "task_id": open_tasks(ctx, working)[0].id, "nc_id": nc_id,
            "draft_id": draft, "procedure": KHAI_SINH, "number": 1}


def _path_parameters(path: str, records: dict) -> dict:
    """The real objects an operation's path names (empty when it names none)."""
    names = set(re.findall(r"{(\w+)}", path))
    values = {}
    if "code" in names:
        if "/procedures/" in path:
            values["code"] = records["procedure"]
        elif re.search(r"/(accept|reject|return-incomplete)$", path):
            values["code"] = records["submitted"]
        else:
            values["code"] = records["dossier"]
    values.update({name: records[name] for name in names & {"task_id", "nc_id", "draft_id", "number"}})
    return values


def test_no_operation_answers_a_server_error_or_anything_undocumented(api_schema, ctx, records):
    tokens: dict[str, str] = {}
    failures: list[str] = []
    known: list[str] = []
    answers: Counter = Counter()  # (operation, status) -> requests
    done: set = set()
    operations = list(_operations(api_schema))
    assert len(operations) >= 30, [op.label for op in operations]  # the document lists every operation
    for operation in operations:
        path = operation.path
        token = tokens.setdefault(_officer(path), issue_token(ctx, _officer(path)))
        headers = {"Authorization": f"Bearer {token}"}
        real = _path_parameters(path, records)
        for mode, fixed in ((GenerationMode.POSITIVE, real), (GenerationMode.POSITIVE, {}),
                            (GenerationMode.NEGATIVE, {})):
            if mode == GenerationMode.POSITIVE and not fixed and not real and (operation, mode) in done:
                continue  # no path parameters: one valid pass is enough
            done.add((operation, mode))
            _fuzz(operation, mode, headers, fixed, failures, known, answers)
    if os.environ.get("MOTCUA_FUZZ_REPORT"):
        print("\n".join(f"{n:5} {label} {status}" for (label, status), n in sorted(answers.items())))
    assert sum(answers.values()) >= len(operations) * EXAMPLES_PER_OPERATION
    succeeded = {label for (label, status), _n in answers.items() if status < 300}
    assert len(succeeded) >= len(operations) // 2, "the token must open most operations: " + str(sorted(succeeded))
    if known:
        warnings.warn("issue 16 defect 5 (input policy, fixed elsewhere), server errors still seen:\n"
                      + "\n".join(sorted(set(known))[:20]))
    assert not failures, f"{len(failures)} failing requests:\n" + "\n\n".join(failures[:15])


def _fuzz(operation, mode, headers, path_parameters, failures: list[str], known: list[str], answers: Counter) -> None:
    @settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode, headers=headers, path_parameters=path_parameters or None))
    def run(case):
        response = case.call(headers=headers)
        answers[(operation.label, response.status_code)] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (AssertionError, BaseExceptionGroup) as failure:  # one failed check, or a FailureGroup of several
            label = f"{operation.label} [{mode.value}] → {response.status_code}"
            defect = KNOWN_DEFECT_5(case) if response.status_code >= 500 else None
            if defect is not None:
                known.append(f"{label}: {defect}")
                return
            failures.append(f"{label}\n{case.as_curl_command(headers=headers)}\n{str(failure)[:1500]}")

    try:
        run()
    except Unsatisfiable:  # an operation with nothing invalid to generate (no parameters, no body)
        pass
