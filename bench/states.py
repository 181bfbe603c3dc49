"""Real workflow state blobs, from dossiers the engine itself runs: what an open and a finished
dossier store. Their sizes are reported, and the generator copies them."""

from __future__ import annotations

from sqlalchemy import select

from bench.common import actors, context, request
from bench.service import walk_one
from engine.db.models import Dossier
from engine.dossiers.reception import receive


def sample_states(db) -> dict[str, bytes]:
    ctx = context(db.url)
    who = actors(ctx)
    open_code = receive(ctx, who["desk"], request("Mẫu đang xử lý")).code
    walk_one(ctx, who, 0)
    with ctx.db.transaction() as session:
        open_state = session.scalar(select(Dossier.workflow_state).where(Dossier.code == open_code))
        finished_state = session.scalar(select(Dossier.workflow_state).where(Dossier.code != open_code)
                                        .order_by(Dossier.id.desc()).limit(1))
    ctx.db.dispose()
    return {"open": open_state, "finished": finished_state}
