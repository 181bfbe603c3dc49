"""Printed forms as PDF: the very HTML the browser prints, laid out by WeasyPrint, with a Vietnamese-capable
serif font embedded. Nothing is fetched from the network: the renderer may only read this app's static
files and the form font, and the font comes from Debian's fonts-noto-core (or fonts-dejavu-core)
installed by the Makefile."""

from __future__ import annotations

import mimetypes
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from flask import Response, current_app, request
from werkzeug.exceptions import NotFound as RouteNotFound
from werkzeug.routing import RequestRedirect

from engine.errors import InvalidInput, MotcuaError

FONT_ROOT = Path("/usr/share/fonts/truetype")
FONT_STYLES = ("regular", "bold", "italic", "bolditalic")
# Families tried in order; a family is used only when all four styles are present.
FONT_FAMILIES = (
    ("Noto Serif", {"regular": "noto/NotoSerif-Regular.ttf", "bold": "noto/NotoSerif-Bold.ttf",
                    "italic": "noto/NotoSerif-Italic.ttf", "bolditalic": "noto/NotoSerif-BoldItalic.ttf"}),
    ("DejaVu Serif", {"regular": "dejavu/DejaVuSerif.ttf", "bold": "dejavu/DejaVuSerif-Bold.ttf",
                      "italic": "dejavu/DejaVuSerif-Italic.ttf", "bolditalic": "dejavu/DejaVuSerif-BoldItalic.ttf"}),
)
FONT_ENDPOINT = "officer.form_font"
FORMATS_DOSSIER = ("html", "pdf")
FORMATS_REGISTER = ("html", "pdf", "xlsx")


class PdfUnavailable(MotcuaError):
    """The server lacks what PDF output needs (WeasyPrint's Pango, or the form font)."""

    http_status = 503
    code = "pdf_unavailable"


@lru_cache(maxsize=1)
def form_font() -> tuple[str, dict[str, Path]] | None:
    """The first complete font family with Vietnamese glyphs found on this machine."""
    for family, files in FONT_FAMILIES:
        paths = {style: FONT_ROOT / name for style, name in files.items()}
        if all(p.is_file() for p in paths.values()):
            return family, paths
    return None


def font_file(style: str) -> Path | None:
    found = form_font()
    return found[1].get(style) if found else None


def output_format(value: str | None, allowed: tuple[str, ...]) -> str:
    fmt = (value or "html").lower()
    if fmt not in allowed:
        raise InvalidInput(f"Định dạng '{value}' không được hỗ trợ; chọn một trong: {', '.join(allowed)}.",
                           message_en=f"Unsupported format '{value}'; choose one of: {', '.join(allowed)}.",
                           details={"format": [f"one of {', '.join(allowed)}"]})
    return fmt


def _local_file(url: str) -> Path:
    """Map one of this app's URLs (static files, the form font) to the file behind it; refuse anything else."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or parts.netloc != request.host:
        raise ValueError(f"the PDF renderer reads no external resource: {url}")
    adapter = current_app.url_map.bind(request.host, script_name=request.script_root or None)
    try:
        endpoint, args = adapter.match(unquote(parts.path), method="GET")
    except (RouteNotFound, RequestRedirect):
        raise ValueError(f"no such resource: {url}") from None
    if endpoint == "static":
        root = Path(current_app.static_folder).resolve()
        path = (root / args["filename"]).resolve()
        if root in path.parents and path.is_file():
            return path
    elif endpoint == FONT_ENDPOINT and (path := font_file(args["style"])):
        return path
    raise ValueError(f"the PDF renderer may not read {url}")


def html_to_pdf(html: str) -> bytes:
    try:
        from weasyprint import HTML
        from weasyprint.text.fonts import FontConfiguration
        from weasyprint.urls import URLFetcher, URLFetcherResponse
    except OSError as error:  # Pango missing: the Makefile installs it
        raise PdfUnavailable("Máy chủ chưa cài thư viện dựng PDF (Pango).",
                             message_en=f"The server lacks the PDF libraries: {error}") from None
    if form_font() is None:
        raise PdfUnavailable("Máy chủ chưa cài phông chữ tiếng Việt cho biểu mẫu (fonts-noto-core).",
                             message_en="The server lacks the forms' Vietnamese font (fonts-noto-core).")

    class LocalOnly(URLFetcher):
        def fetch(self, url, headers=None):
            path = _local_file(url)
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})

    return HTML(string=html, base_url=request.url, url_fetcher=LocalOnly()).write_pdf(
        font_config=FontConfiguration())


def pdf_response(html: str, filename: str) -> Response:
    response = Response(html_to_pdf(html), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
