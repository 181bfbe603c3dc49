"""The dossier page's files: the parts with their files and page counts (missing required parts flagged), an upload
per part (several pages, or the phone's camera), download as an attachment. Every rule is engine.documents'."""

from __future__ import annotations

from flask import request
from flask_login import login_required

from engine.documents import files as documents
from engine.enums import FileKind
from engine.errors import InvalidInput
from web.api.documents import MAX_REQUEST, _send, uploads_of
from web.officer.blueprint import bp
from web.officer.common import actor, back_to_dossier, ctx, form_text, run_action
from web.uploads import upload_limit


def files_of(code: str) -> dict:
    """What the dossier page shows of the files (the page itself is already authorised to view the dossier)."""
    return documents.list_files(ctx(), actor(), code)


@bp.post("/dossiers/<code>/files")
@login_required
@upload_limit(MAX_REQUEST)
def attach_file(code: str):
    kind = form_text("kind") or FileKind.PART.value
    task_id = form_text("task_id")

    def call():
        if kind not in {k.value for k in FileKind} or (task_id and not task_id.isdigit()):
            raise InvalidInput("Biểu mẫu tải tệp không hợp lệ.", message_en="Invalid upload form.")
        return documents.attach(ctx(), actor(), code, form_text("part"), uploads_of(), kind=FileKind(kind),
                                task_id=int(task_id) if task_id else None)

    return run_action(call, "Đã đính kèm tệp.", back_to_dossier(code))


@bp.get("/dossiers/<code>/files/<int(max=2147483647):file_id>")
@login_required
def download_file(code: str, file_id: int):
    return _send(documents.download(ctx(), actor(), code, file_id, original=request.args.get("original") == "1"))
