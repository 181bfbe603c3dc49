"""Officers' pages: login, inbox, dossier, reception desk, printable records."""

from flask import Blueprint

from web import display

bp = Blueprint("officer", __name__, url_prefix="/officer")
display.install(bp)

from web.officer import pages, inbox, dossier, reception, records  # noqa: E402,F401  (routes register on import)
