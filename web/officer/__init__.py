"""Officers' pages: login, inbox, dossier, reception desk, printable records, KPI dashboard."""

from flask import Blueprint

from web import display

bp = Blueprint("officer", __name__, url_prefix="/officer")
display.install(bp)

from web.officer import pages, inbox, dossier, reception, records, dashboard  # noqa: E402,F401  (routes register on import)
from web.officer import oversight, audit, outbox  # noqa: E402,F401  (nonconformities, audit log, outbox)
