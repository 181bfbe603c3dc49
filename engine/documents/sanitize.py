"""What enters a dossier is rewritten, never stored as received: PDFs without JavaScript, actions, embedded files
and forms (pikepdf, streams copied as they are: nothing is inflated); images decoded under a pixel limit and
re-encoded without metadata (EXIF GPS, text chunks); several scanned pages of one part joined into one PDF
(img2pdf). Pure: bytes in, bytes out, or a bilingual refusal naming the part (engine.documents.policy)."""

from __future__ import annotations

import io
from dataclasses import dataclass

import img2pdf
import pikepdf
from PIL import Image, ImageOps, UnidentifiedImageError

from engine.documents.policy import (
    JPEG,
    MAX_IMAGE_PIXELS,
    MAX_PDF_PAGES,
    MEDIA_TYPES,
    PDF,
    Upload,
    check_pages,
    check_size,
    check_type,
    display_name,
    refuse_content,
)
from engine.procedures.parts import Part

JPEG_QUALITY = 90
PNG_MODES = frozenset({"1", "L", "LA", "P", "RGB", "RGBA"})
# What a PDF may not carry into a dossier: document-level actions and scripts, forms, attachments.
_ROOT_KEYS = ("/OpenAction", "/AA", "/AcroForm", "/JavaScript")
_NAME_TREES = ("/JavaScript", "/EmbeddedFiles")
_SAFE_ANNOTATIONS = frozenset({"/Link", "/Text", "/Highlight", "/Underline", "/StrikeOut", "/Square", "/Circle",
                               "/Line", "/Ink", "/Stamp", "/FreeText", "/Popup"})
_SAFE_ACTIONS = frozenset({"/URI", "/GoTo"})


@dataclass(frozen=True)
class CleanFile:
    data: bytes
    kind: str  # pdf, jpeg, png
    pages: int
    name: str  # display label

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.kind]


def clean_upload(part: Part, upload: Upload) -> CleanFile:
    """One upload, checked against the part (type by content, size) and rewritten."""
    check_size(part, len(upload.data))
    kind = check_type(part, upload)
    name = display_name(upload.filename, kind)
    if kind == PDF:
        data, pages = clean_pdf(part, upload.data)
        return CleanFile(data, PDF, pages, name)
    return CleanFile(clean_image(part, upload.data, kind), kind, 1, name)


def clean_pages(part: Part, uploads: list[Upload]) -> CleanFile:
    """One file of a part from one upload, or from several scanned pages joined, in order, into one PDF."""
    if not uploads:
        raise refuse_content(part, "không có tệp nào.", "no file.")
    check_pages(part, len(uploads))
    cleaned = [clean_upload(part, u) for u in uploads]
    if len(cleaned) == 1:
        return cleaned[0]
    if PDF not in part.types:
        raise refuse_content(part, "nhiều trang chỉ ghép được thành PDF, mà thành phần này không nhận PDF.",
                             "several pages can only be joined into a PDF, which this part does not accept.")
    merged = pikepdf.Pdf.new()
    for item in cleaned:
        data = item.data if item.kind == PDF else img2pdf.convert(item.data, rotation=img2pdf.Rotation.ifvalid)
        with pikepdf.open(io.BytesIO(data)) as source:
            merged.pages.extend(source.pages)
    if len(merged.pages) > MAX_PDF_PAGES:
        raise refuse_content(part, f"tệp ghép có {len(merged.pages)} trang; tối đa {MAX_PDF_PAGES}.",
                             f"the joined file has {len(merged.pages)} pages; at most {MAX_PDF_PAGES}.",
                             max_pages=MAX_PDF_PAGES)
    out = io.BytesIO()
    merged.save(out, stream_decode_level=pikepdf.StreamDecodeLevel.none, recompress_flate=False)
    data = out.getvalue()
    check_size(part, len(data))
    return CleanFile(data, PDF, len(merged.pages), display_name(uploads[0].filename, PDF))


def clean_pdf(part: Part, data: bytes) -> tuple[bytes, int]:
    """The PDF rewritten without active content; encrypted, broken or empty PDFs refused, saying which."""
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError:
        raise refuse_content(part, "PDF được mã hoá (có mật khẩu); hãy nộp bản không đặt mật khẩu.",
                             "the PDF is encrypted (password protected); submit it without a password.",
                             reason="encrypted") from None
    except (pikepdf.PdfError, ValueError, RecursionError):
        raise refuse_content(part, "PDF bị hỏng, không đọc được.", "the PDF is broken and cannot be read.",
                             reason="broken") from None
    with pdf:
        if pdf.is_encrypted:
            raise refuse_content(part, "PDF được mã hoá (có mật khẩu); hãy nộp bản không đặt mật khẩu.",
                                 "the PDF is encrypted (password protected); submit it without a password.",
                                 reason="encrypted")
        try:
            pages = len(pdf.pages)
            if pages == 0:
                raise refuse_content(part, "PDF bị hỏng (không có trang nào).", "the PDF is broken (no pages).",
                                     reason="broken")
            if pages > MAX_PDF_PAGES:
                raise refuse_content(part, f"PDF có {pages} trang; tối đa {MAX_PDF_PAGES}.",
                                     f"the PDF has {pages} pages; at most {MAX_PDF_PAGES}.", max_pages=MAX_PDF_PAGES)
            _strip_active_content(pdf)
            out = io.BytesIO()
            pdf.save(out, stream_decode_level=pikepdf.StreamDecodeLevel.none, recompress_flate=False)
        except (pikepdf.PdfError, ValueError, RecursionError, KeyError, TypeError):
            raise refuse_content(part, "PDF bị hỏng, không đọc được.", "the PDF is broken and cannot be read.",
                                 reason="broken") from None
    return out.getvalue(), pages


def _strip_active_content(pdf: pikepdf.Pdf) -> None:
    root = pdf.Root
    for key in _ROOT_KEYS:
        if key in root:
            del root[key]
    names = root.get("/Names")
    if isinstance(names, pikepdf.Dictionary):
        for key in _NAME_TREES:
            if key in names:
                del names[key]
    for page in pdf.pages:
        obj = page.obj
        if "/AA" in obj:
            del obj["/AA"]
        annots = obj.get("/Annots")
        if annots is None:
            continue
        kept = pikepdf.Array()
        for annot in annots:
            if not isinstance(annot, pikepdf.Dictionary) or annot.get("/Subtype") not in _SAFE_ANNOTATIONS:
                continue
            if "/AA" in annot:
                del annot["/AA"]
            action = annot.get("/A")
            if isinstance(action, pikepdf.Dictionary) and action.get("/S") not in _SAFE_ACTIONS:
                del annot["/A"]
            kept.append(annot)
        obj["/Annots"] = kept


def clean_image(part: Part, data: bytes, kind: str) -> bytes:
    """The image decoded under the pixel limit and re-encoded in its own format without any metadata."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise refuse_content(
                    part, f"ảnh {width}×{height} điểm ảnh vượt giới hạn {MAX_IMAGE_PIXELS:,} điểm ảnh (nghi tệp nén bom).",
                    f"the image is {width}×{height} pixels, over the limit of {MAX_IMAGE_PIXELS:,} (a decompression bomb?).",
                    reason="pixels", max_pixels=MAX_IMAGE_PIXELS)
            image.load()
            image = ImageOps.exif_transpose(image)  # keep the page upright once the EXIF orientation is gone
            out = io.BytesIO()
            if kind == JPEG:
                image.convert("L" if image.mode in ("1", "L") else "RGB").save(out, "JPEG", quality=JPEG_QUALITY)
            else:
                (image if image.mode in PNG_MODES else image.convert("RGBA")).save(out, "PNG", optimize=False)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise refuse_content(part, "ảnh bị hỏng, không đọc được.", "the image is broken and cannot be read.",
                             reason="broken") from None
    return out.getvalue()
