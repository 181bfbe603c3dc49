"""Officers' pages: login, inbox, dossier, reception desk, printable records."""

from flask import Blueprint

bp = Blueprint("officer", __name__, url_prefix="/officer")

from web.officer import pages  # noqa: E402,F401  (routes register on import)
