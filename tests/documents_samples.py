"""Files for the documents tests: genuine scans and PDFs, and hostile ones (made here, not stored in the repo)."""

from __future__ import annotations

import io
import struct
import zlib

import pikepdf
from PIL import Image

from engine.documents.policy import Upload


def pdf(pages: int = 1, javascript: bool = False, attachment: bool = False, form: bool = False) -> bytes:
    doc = pikepdf.Pdf.new()
    for _ in range(pages):
        doc.add_blank_page(page_size=(595, 842))
    if javascript:
        action = doc.make_indirect(pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)")))
        doc.Root.OpenAction = action
        doc.pages[0].obj.AA = pikepdf.Dictionary(O=action)
        doc.Root.Names = pikepdf.Dictionary(JavaScript=pikepdf.Dictionary(
            Names=pikepdf.Array([pikepdf.String("x"), action])))
    if attachment:
        doc.attachments["evil.exe"] = pikepdf.AttachedFileSpec(doc, b"MZ\x90\x00", filename="evil.exe")
    if form:
        doc.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array())
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def encrypted_pdf() -> bytes:
    doc = pikepdf.Pdf.new()
    doc.add_blank_page()
    out = io.BytesIO()
    doc.save(out, encryption=pikepdf.Encryption(owner="owner", user="user"))
    return out.getvalue()


def jpeg(size=(400, 560), gps: bool = False, color=(230, 230, 220)) -> bytes:
    image = Image.new("RGB", size, color)
    out = io.BytesIO()
    if gps:
        exif = Image.Exif()
        exif[0x8825] = {1: "N", 2: (21.0, 1.0, 30.0), 3: "E", 4: (105.0, 50.0, 0.0)}  # GPSInfo: Hà Nội
        exif[0x010F] = "PhoneMaker"
        image.save(out, "JPEG", exif=exif)
    else:
        image.save(out, "JPEG")
    return out.getvalue()


def png(size=(300, 300)) -> bytes:
    out = io.BytesIO()
    Image.new("L", size, 200).save(out, "PNG")
    return out.getvalue()


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny PNG declaring a huge image (its pixels would be gigabytes once decompressed)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    body = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def upload(data: bytes, name: str = "scan.pdf") -> Upload:
    return Upload(name, data)
