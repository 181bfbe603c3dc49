"""The demo organisation: a province with three departments and a commune, one user per role in each
place a procedure needs, and every package in processes/ published. Idempotent; demo passwords are
generated on each run (or taken from MOTCUA_DEMO_PASSWORD) and printed: they are for demos only."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from engine.context import EngineContext
from engine.db.models import Agency, Unit, User, UserRole
from engine.enums import AgencyLevel, Role
from engine.org.directory import add_agency, add_unit, add_user
from engine.org.security import hash_password
from engine.procedures.publishing import Publication, publish

PROVINCE = "000.00.00.H99"
SO_TU_PHAP = "000.00.02.H99"
SO_XAY_DUNG = "000.00.03.H99"
SO_NN_MT = "000.00.04.H99"
XA = "000.00.31.H99"

AGENCIES = [
    (PROVINCE, "UBND tỉnh Minh Hòa (demo)", AgencyLevel.PROVINCE, None, []),
    (SO_TU_PHAP, "Sở Tư pháp tỉnh Minh Hòa", AgencyLevel.PROVINCE, PROVINCE,
     [("MC", "Bộ phận Một cửa"), ("HCTP", "Phòng Hành chính tư pháp"), ("VP", "Văn phòng Sở")]),
    (SO_XAY_DUNG, "Sở Xây dựng tỉnh Minh Hòa", AgencyLevel.PROVINCE, PROVINCE,
     [("MC", "Bộ phận Một cửa"), ("QLXD", "Phòng Quản lý hoạt động xây dựng"), ("QHKT", "Phòng Quy hoạch - Kiến trúc"),
      ("VP", "Văn phòng Sở")]),
    (SO_NN_MT, "Sở Nông nghiệp và Môi trường tỉnh Minh Hòa", AgencyLevel.PROVINCE, PROVINCE,
     [("MC", "Bộ phận Một cửa"), ("VPDK", "Văn phòng Đăng ký đất đai"), ("QLDD", "Phòng Quản lý đất đai")]),
    (XA, "UBND xã An Bình", AgencyLevel.COMMUNE, PROVINCE,
     [("MC", "Bộ phận Một cửa"), ("VP", "Văn phòng HĐND và UBND"), ("KT", "Phòng Kinh tế"),
      ("VHXH", "Phòng Văn hóa - Xã hội")]),
]

PREFIX = {PROVINCE: "tinh", SO_TU_PHAP: "stp", SO_XAY_DUNG: "sxd", SO_NN_MT: "snnmt", XA: "xa"}
DESK_UNIT = "MC"
NON_WORKING_UNITS = {"VP"}  # in departments the office does not appraise dossiers


@dataclass(frozen=True)
class DemoUser:
    username: str
    agency: str
    unit: str | None
    roles: tuple[Role, ...]
    full_name: str


def demo_users() -> list[DemoUser]:
    users = [
        DemoUser("tinh.admin", PROVINCE, None, (Role.ADMIN,), "Quản trị hệ thống"),
        DemoUser("tinh.thietke", PROVINCE, None, (Role.DESIGNER,), "Thư ký ISO tỉnh"),
        DemoUser("tinh.kiemsoat", PROVINCE, None, (Role.AUDITOR,), "Kiểm soát nội bộ tỉnh"),
    ]
    for code, _name, _level, _parent, units in AGENCIES:
        if not units:
            continue
        p = PREFIX[code]
        users.append(DemoUser(f"{p}.motcua", code, DESK_UNIT, (Role.DESK,), f"Cán bộ một cửa ({p})"))
        users.append(DemoUser(f"{p}.lanhdao", code, None, (Role.LEADER,), f"Lãnh đạo ({p})"))
        for unit, unit_name in units:
            if unit == DESK_UNIT or (unit in NON_WORKING_UNITS and code != XA):
                continue
            u = unit.lower()
            users.append(DemoUser(f"{p}.{u}.chuyenvien", code, unit, (Role.SPECIALIST,), f"Chuyên viên {unit_name}"))
            users.append(DemoUser(f"{p}.{u}.truongphong", code, unit, (Role.UNIT_HEAD,), f"Trưởng {unit_name}"))
    return users


def seed(ctx: EngineContext, processes_dir: Path, password: str | None = None) -> tuple[str, list[DemoUser], list[Publication]]:
    password = password or os.environ.get("MOTCUA_DEMO_PASSWORD") or f"demo-{secrets.token_hex(4)}"
    with ctx.db.transaction() as session:
        existing_agencies = set(session.scalars(select(Agency.code)))
        existing_units = set(session.execute(select(Agency.code, Unit.code).join(Agency, Unit.agency_id == Agency.id)).all())
    for code, name, level, parent, units in AGENCIES:
        if code not in existing_agencies:
            add_agency(ctx, code, name, level.value, parent)
        for unit, unit_name in units:
            if (code, unit) not in existing_units:
                add_unit(ctx, unit, code, unit_name)
    users = demo_users()
    for user in users:
        _ensure_user(ctx, user, password)
    publications = [publish(ctx, path, note="Ban hành lần đầu (dữ liệu mẫu)") for path in package_dirs(processes_dir)]
    return password, users, publications


def _ensure_user(ctx: EngineContext, user: DemoUser, password: str) -> None:
    with ctx.db.transaction() as session:
        row = session.scalar(select(User).where(User.username == user.username))
        if row is not None:
            row.password_hash = hash_password(password)
            have = {r.role for r in row.roles}
            row.roles.extend(UserRole(role=r.value) for r in user.roles if r.value not in have)
            return
    add_user(ctx, user.username, user.agency, [r.value for r in user.roles], password, unit_code=user.unit,
             full_name=user.full_name)


def package_dirs(processes_dir: Path) -> list[Path]:
    return sorted(p.parent for p in Path(processes_dir).glob("*/procedure.toml"))
