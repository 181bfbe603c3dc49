"""Dossier documents (DOMAIN §9, issue 18): the file-type policy by content and the limits (``policy.py``), the
rewriting of what comes in (``sanitize.py``: pikepdf, Pillow, img2pdf), storage by SHA-256 behind one interface
(``storage.py``: a folder or S3), the use cases on a dossier's files (``files.py``) and their proof for
``motcua audit verify`` (``verify.py``). The parts themselves are the procedure card's (engine.procedures.parts).
May import: engine.dossiers (events, store, the reception and online use cases), engine.procedures, engine.org and
everything below; imported by engine.records, engine.worker, engine.cli and web."""
