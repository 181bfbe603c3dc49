"""Dossier search latency (issue 20, item 1): N dossiers with their inbox rows and search index rows, then the
engine's search (engine.dossiers.search.search_dossiers, one read-only transaction with the authority rule) timed
for a mix of queries and officers, on SQLite and PostgreSQL.

    python bench/search.py [--dossiers 50000] [--agencies 100] [--samples 30] [--db both|sqlite|postgres]

Dossiers and steps come from bench/generate.py's generator (business household registration over ``--agencies``
communes and 12 months); each gets a realistic applicant (a Vietnamese name, a 12-digit CCCD, a phone number),
and its index row is written exactly as the engine writes it (engine.dossiers.search_text.dossier_text). Events,
deadlines and KPI tallies are left out: the search reads none of them. Prints p50/p95/p99 per query kind and
overall, per database, as a table and as JSON (``--json FILE``).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, text  # noqa: E402
from tqdm import tqdm  # noqa: E402

from bench.common import Databases, percentiles  # noqa: E402
from bench.generate import BATCH, FIRST_ID, Generator  # noqa: E402
from engine.context import EngineContext  # noqa: E402
from engine.db.models import Dossier, DossierSearch, Task  # noqa: E402
from engine.db.session import Database  # noqa: E402
from engine.dossiers.search import Criteria, search_dossiers  # noqa: E402
from engine.dossiers.search_text import SOURCE_DOSSIER, dossier_text  # noqa: E402
from engine.org.actors import Actor  # noqa: E402
from engine.org.directory import user_by_username  # noqa: E402

FAMILY = ["Nguyễn"] * 38 + ["Trần"] * 11 + ["Lê"] * 9 + ["Phạm"] * 7 + ["Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
          "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trương", "Mai", "Tạ", "Lương", "Cao", "Hà", "Tô"] * 2
MIDDLE = ["Văn", "Thị", "Thị", "Văn", "Đức", "Minh", "Ngọc", "Thanh", "Hữu", "Quốc", "Thu", "Hoài", "Xuân", "Kim"]
GIVEN = ["An", "Anh", "Bình", "Châu", "Chi", "Cường", "Dũng", "Dung", "Duy", "Giang", "Hà", "Hải", "Hạnh", "Hiếu",
         "Hoa", "Hòa", "Hoàng", "Hồng", "Huệ", "Hùng", "Hương", "Huy", "Khánh", "Lan", "Linh", "Long", "Mai", "Minh",
         "Nam", "Nga", "Ngọc", "Nhung", "Phong", "Phúc", "Phương", "Quân", "Quang", "Sơn", "Tâm", "Thảo", "Thắng",
         "Thành", "Thủy", "Trang", "Trung", "Tuấn", "Tùng", "Vân", "Việt", "Yến"]
OFFICERS = ("xa.motcua", "xa.kt.chuyenvien", "tinh.kiemsoat")  # desk (one agency), a step's pool, province auditor


def applicant(rng: random.Random) -> dict:
    return {"name": f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}",
            "id_number": f"0{rng.randint(1, 96):02d}{rng.randint(0, 1)}{rng.randint(40, 99):02d}{rng.randint(0, 999999):06d}",
            "phone": f"09{rng.randint(0, 99_999_999):08d}"}


def fill(db: Database, count: int, agencies: int) -> list[dict]:
    """``count`` dossiers with their steps and index rows; returns a sample of them to search for."""
    rng, sample = random.Random(20), []
    with db.transaction() as session:
        generator = Generator(session, agencies, {"open": b"", "finished": b""}, seed=FIRST_ID)
    with tqdm(total=count, unit="dossier", desc="generate", file=sys.stderr) as bar:
        done = 0
        while done < count:
            size = min(BATCH, count - done)
            with db.transaction() as session:
                generator.session = session
                rows = generator.batch(FIRST_ID + done, size)
                index = []
                for row in rows["dossiers"]:
                    row["applicant"] = applicant(rng)
                    row["applicant_name"] = row["applicant"]["name"]
                    index.append({"dossier_id": row["id"], "source": SOURCE_DOSSIER,
                                  "body": dossier_text(row["code"], row["applicant"])})
                    if rng.random() < 0.01:
                        sample.append({"code": row["code"], **row["applicant"], "agency_id": row["agency_id"]})
                session.execute(insert(Dossier.__table__), rows["dossiers"])
                session.execute(insert(Task.__table__), rows["tasks"])
                session.execute(insert(DossierSearch.__table__), index)
            done += size
            bar.update(size)
    with db.transaction() as session:
        generator.session = session
        generator.save_counters()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    return sample


def queries(sample: list[dict], rng: random.Random) -> dict[str, callable]:
    """Each kind: a function returning a fresh query string."""
    pick = lambda: rng.choice(sample)  # noqa: E731
    from engine.dossiers.search_text import fold
    return {
        "full name, no diacritics": lambda: fold(pick()["name"]),
        "full name, diacritics": lambda: pick()["name"],
        "middle + given name": lambda: " ".join(pick()["name"].split()[1:]),
        "family name alone (broad)": lambda: rng.choice(["Nguyễn", "Trần", "Phạm", "Hoàng"]),
        "full code": lambda: pick()["code"],
        "code tail (day-seq)": lambda: pick()["code"][-11:],
        "CCCD (12 digits)": lambda: pick()["id_number"],
        "CCCD prefix (8)": lambda: pick()["id_number"][:8],
        "phone": lambda: pick()["phone"],
        "no match": lambda: f"zzq {rng.randint(0, 10**6)}",
        "no text, late filter": lambda: "",
    }


def measure(db: Database, sample: list[dict], samples: int) -> dict:
    ctx = EngineContext(db)
    with db.transaction() as session:
        officers = [Actor.of(user_by_username(session, name)) for name in OFFICERS]
    rng = random.Random(7)
    kinds = queries(sample, rng)
    for _ in range(20):  # warm the caches and the pool
        search_dossiers(ctx, officers[0], Criteria(q=kinds["full name, no diacritics"]()), limit=25)
    result, everything = {}, []
    for kind, make in kinds.items():
        times, found = [], 0
        for n in range(samples):
            actor = officers[n % len(officers)]
            criteria = Criteria(q=make(), late=True) if kind.startswith("no text") else Criteria(q=make())
            start = time.perf_counter()
            page = search_dossiers(ctx, actor, criteria, limit=25)
            times.append(time.perf_counter() - start)
            found += page.total
        everything += times
        result[kind] = {**percentiles(times), "mean_total": found / samples}
    result["all"] = percentiles(everything)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=50_000)
    parser.add_argument("--agencies", type=int, default=100)
    parser.add_argument("--samples", type=int, default=30)
    parser.add_argument("--db", choices=("both", "sqlite", "postgres"), default="both")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--folder", type=Path, help="keep the SQLite file here (default: a temporary folder)")
    args = parser.parse_args()
    databases = Databases(args.folder, want_postgres=args.db != "sqlite")
    report = {"dossiers": args.dossiers, "agencies": args.agencies, "samples": args.samples,
              "date": time.strftime("%Y-%m-%d"), "results": {}}
    try:
        for kind in databases.kinds:
            if args.db not in ("both", kind):
                continue
            db = Database(databases.fresh(kind, "search"))
            started = time.perf_counter()
            sample = fill(db, args.dossiers, args.agencies)
            print(f"{kind}: {args.dossiers} dossiers in {time.perf_counter() - started:.0f} s", file=sys.stderr)
            report["results"][kind] = measure(db, sample, args.samples)
            db.dispose()
    finally:
        databases.close()
    for kind, rows in report["results"].items():
        print(f"\n{kind} — {args.dossiers:,} dossiers, {args.samples} searches per kind (ms)")
        for name, figures in rows.items():
            extra = f"  matches ≈ {figures['mean_total']:.0f}" if "mean_total" in figures else ""
            print(f"  {name:28} p50 {figures['p50']:7.1f}  p95 {figures['p95']:7.1f}  p99 {figures['p99']:7.1f}{extra}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
