"""Presentation helpers shared by the officers' and citizens' pages: local time, Vietnamese labels of the
engine's vocabularies (English through web.i18n), durations. Nothing here decides anything."""

from __future__ import annotations

import io
from datetime import date, datetime, timezone
from urllib.parse import urlencode

import segno
from flask import current_app, request
from markupsafe import Markup

from engine.clock.calendar import LOCAL_TZ
from engine.clock.durations import MINUTES_PER_WORKING_DAY, parse_duration
from engine.enums import (
    DOSSIER_STATUS_LABELS_VI,
    OUTCOME_LABELS_VI,
    ROLE_LABELS_VI,
    DossierStatus,
    EventKind,
    Outcome,
    Role,
    TaskState,
)
from engine.errors import InvalidDuration
from web.i18n import current_language, translate

EVENT_LABELS_VI = {
    EventKind.SUBMITTED: "Hồ sơ nộp trực tuyến",
    EventKind.RECEIVED: "Hồ sơ được tiếp nhận",
    EventKind.HANDED_OVER: "Giao hồ sơ",
    EventKind.TAKEN_OVER: "Nhận hồ sơ",
    EventKind.RELEASED: "Đã trả lại hàng chờ",
    EventKind.REASSIGNED: "Đã phân công lại",
    EventKind.STEP_COMPLETED: "Đã hoàn thành bước",
    EventKind.STEP_OVERDUE: "Bước xử lý quá hạn",
    EventKind.DOSSIER_OVERDUE: "Hồ sơ quá hạn",
    EventKind.NONCONFORMITY_RAISED: "Ghi nhận điểm không phù hợp",
    EventKind.SUPPLEMENT_REQUESTED: "Yêu cầu bổ sung hồ sơ",
    EventKind.SUPPLEMENTED: "Đã bổ sung hồ sơ",
    EventKind.TIMER_FIRED: "Hết thời gian chờ",
    EventKind.RESOLVED: "Có kết quả giải quyết",
    EventKind.REFUSED: "Từ chối",
    EventKind.WITHDRAWN: "Đã rút hồ sơ",
    EventKind.APOLOGY_ISSUED: "Xin lỗi, hẹn lại ngày trả kết quả",
    EventKind.RETURNED: "Đã trả kết quả",
    EventKind.MIGRATED: "Chuyển sang phiên bản quy trình mới",
    EventKind.PIN_REISSUED: "Cấp lại mã tra cứu (PIN)",
    EventKind.FILE_ATTACHED: "Đính kèm tệp hồ sơ",
}

TASK_STATE_LABELS_VI = {
    TaskState.READY: "Chờ nhận xử lý",
    TaskState.CLAIMED: "Đang xử lý",
    TaskState.COMPLETED: "Đã hoàn thành",
    TaskState.CANCELLED: "Đã hủy",
}

CHANNEL_LABELS_VI = {"desk": "Trực tiếp", "online": "Trực tuyến", "postal": "Bưu chính"}
LEVEL_LABELS_VI = {"commune": "Cấp xã", "province": "Cấp tỉnh", "central": "Trung ương"}


def _local(value) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if isinstance(value, datetime):
        if value.tzinfo is None:  # the engine hands back aware instants; a naive one is UTC by convention
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(LOCAL_TZ)
    return None


def localtime(value, fmt: str = "%d/%m/%Y %H:%M") -> str:
    """An instant shown in Asia/Ho_Chi_Minh, dd/mm/YYYY HH:MM."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.strftime("%d/%m/%Y")
    local = _local(value)
    return local.strftime(fmt) if local else ""


def localdate(value) -> str:
    return localtime(value, "%d/%m/%Y")


def localinput(value) -> str:
    """For <input type=datetime-local>."""
    return localtime(value, "%Y-%m-%dT%H:%M")


def long_time(value) -> str:
    """As printed forms write it: '14 giờ 30 phút, ngày 07/12/2026' (forms are always Vietnamese)."""
    local = _local(value)
    if not local:
        return ""
    return f"{local.hour:02d} giờ {local.minute:02d} phút, ngày {local.strftime('%d/%m/%Y')}"


def long_date(value) -> str:
    local = _local(value)
    if not local:
        return ""
    return f"ngày {local.day:02d} tháng {local.month:02d} năm {local.year}"


def _label(table: dict, value, enum=None, vietnamese: bool = False) -> str:
    if value is None:
        return ""
    try:
        key = enum(value) if enum else value
    except ValueError:
        return str(value)
    label = table.get(key, str(value))
    return label if vietnamese else translate(label)


def status_label(value) -> str:
    return _label(DOSSIER_STATUS_LABELS_VI, value, DossierStatus)


def outcome_label(value) -> str:
    return _label(OUTCOME_LABELS_VI, value, Outcome)


def event_label(value) -> str:
    return _label(EVENT_LABELS_VI, value, EventKind)


def task_state_label(value) -> str:
    return _label(TASK_STATE_LABELS_VI, value, TaskState)


def role_label(value) -> str:
    return _label(ROLE_LABELS_VI, value, Role)


def channel_label(value) -> str:
    return _label(CHANNEL_LABELS_VI, value)


def level_label(value) -> str:
    return _label(LEVEL_LABELS_VI, value)


def duration_label(value) -> str:
    try:
        duration = parse_duration(value)
    except InvalidDuration:
        return str(value or "")
    if current_language() != "en":
        return duration.describe_vi()
    if duration.same_day:
        return "within the working day of receipt"
    days, rest = divmod(duration.minutes, MINUTES_PER_WORKING_DAY)
    hours, minutes = divmod(rest, 60)
    parts = [f"{n} working {unit}{'s' if n != 1 else ''}" for n, unit in ((days, "day"), (hours, "hour"),
                                                                          (minutes, "minute")) if n]
    return " ".join(parts) or "0 working minutes"


def working_minutes(value) -> str:
    """Working minutes in words ("1 ngày làm việc 2 giờ làm việc"), as a duration."""
    try:
        return duration_label(f"PT{max(int(value or 0), 0)}M")
    except (TypeError, ValueError):
        return str(value)


def money(value) -> str:
    try:
        amount = int(value or 0)
    except (TypeError, ValueError):
        return str(value)
    if amount == 0:
        return translate("Miễn phí")
    return f"{amount:,}".replace(",", ".") + " đ"


def public_base_url() -> str:
    """MOTCUA_PUBLIC_URL when set, else the address this request came to (web.config)."""
    return (current_app.config.get("PUBLIC_BASE_URL") or request.url_root).rstrip("/")


def lookup_url(code: str) -> str:
    """The citizen's lookup link printed on Form 01 and in QR codes: the dossier code only, never the PIN (the
    lookup page then asks for it)."""
    base = public_base_url()
    return f"{base}/lookup?{urlencode({'code': code})}"


def qr_svg(data: str, scale: int = 3) -> Markup:
    """An inline SVG QR code generated here (our markup; ``data`` is only encoded into the modules)."""
    buffer = io.BytesIO()
    segno.make(data, error="m").save(buffer, kind="svg", xmldecl=False, svgns=True, scale=scale, border=2,
                                    svgclass="qr", lineclass=None, title=None)
    return Markup(buffer.getvalue().decode("ascii"))


# Printed forms (Form 01, Form 06) are legal records in Vietnamese whatever the UI language.
VI_FILTERS = {
    "status_label_vi": lambda v: _label(DOSSIER_STATUS_LABELS_VI, v, DossierStatus, vietnamese=True),
    "outcome_label_vi": lambda v: _label(OUTCOME_LABELS_VI, v, Outcome, vietnamese=True),
    "task_state_label_vi": lambda v: _label(TASK_STATE_LABELS_VI, v, TaskState, vietnamese=True),
}

FILTERS = {**VI_FILTERS,
           "localtime": localtime, "localdate": localdate, "localinput": localinput, "long_time": long_time,
           "long_date": long_date, "status_label": status_label, "outcome_label": outcome_label,
           "event_label": event_label, "task_state_label": task_state_label, "role_label": role_label,
           "channel_label": channel_label, "level_label": level_label, "duration_label": duration_label,
           "working_minutes": working_minutes,
           "money": money}


def install(blueprint) -> None:
    """Register the filters app-wide from a blueprint (idempotent; both blueprints call it)."""

    def _register(state):
        state.app.jinja_env.filters.update(FILTERS)
        state.app.jinja_env.globals.update(lookup_url=lookup_url, qr_svg=qr_svg)

    blueprint.record_once(_register)
