"""The text of every notification, in Vietnamese (citizens and officers read Vietnamese; no PIN, no
internal data beyond what the recipient is entitled to)."""

from __future__ import annotations

import os
from datetime import datetime
from urllib.parse import urlencode

from engine.clock.calendar import LOCAL_TZ
from engine.enums import NotificationTopic

PREFIX = "[Một cửa]"

TOPIC_LABELS_VI = {
    NotificationTopic.STEP_DUE_SOON: "Nhắc bước sắp đến hạn",
    NotificationTopic.STEP_OVERDUE: "Báo bước quá hạn",
    NotificationTopic.APOLOGY_PROMPT: "Đề nghị phát hành phiếu xin lỗi",
    NotificationTopic.NONCONFORMITY_OVERDUE: "Điểm không phù hợp quá hạn khắc phục",
    NotificationTopic.RECEIVED: "Báo tiếp nhận hồ sơ",
    NotificationTopic.SUPPLEMENT_REQUESTED: "Yêu cầu bổ sung hồ sơ",
    NotificationTopic.RESULT_READY: "Báo có kết quả",
    NotificationTopic.APOLOGY: "Thư xin lỗi, hẹn lại",
}


def when(value: datetime | str | None) -> str:
    """'14:30 ngày 07/12/2026' in local time."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(LOCAL_TZ).strftime("%H:%M ngày %d/%m/%Y")


def lookup_hint(code: str) -> str:
    base = (os.environ.get("MOTCUA_PUBLIC_URL") or "").rstrip("/")
    where = f" tại {base}/lookup?{urlencode({'code': code})}" if base else ""
    return f"Tra cứu tình trạng hồ sơ{where} bằng mã hồ sơ và mã tra cứu (PIN) in trên Giấy tiếp nhận."


# --- to citizens ---------------------------------------------------------------------------------

def received(code: str, procedure: str, agency: str, received_at, due_at) -> tuple[str, str]:
    return (f"{PREFIX} Hồ sơ {code} đã được tiếp nhận",
            f"{agency} đã tiếp nhận hồ sơ {code} (thủ tục: {procedure}) lúc {when(received_at)}.\n"
            f"Ngày hẹn trả kết quả: {when(due_at)}.\n{lookup_hint(code)}")


def supplement_requested(code: str, procedure: str, agency: str, reason: str, missing: list[str],
                         before_receipt: bool, clock_paused: bool) -> tuple[str, str]:
    items = "\n".join(f"  - {m}" for m in missing)
    if before_receipt:
        effect = "Hồ sơ được tiếp nhận khi đã đầy đủ theo danh sách trên."
    elif clock_paused:
        effect = "Thời hạn giải quyết tạm dừng cho đến khi cơ quan nhận đủ hồ sơ bổ sung."
    else:
        effect = "Đề nghị ông/bà bổ sung sớm để hồ sơ được giải quyết đúng hẹn."
    return (f"{PREFIX} Hồ sơ {code}: yêu cầu bổ sung, hoàn thiện",
            f"{agency} đề nghị ông/bà bổ sung, hoàn thiện hồ sơ {code} (thủ tục: {procedure}).\n"
            f"Lý do: {reason}\nGiấy tờ cần bổ sung:\n{items}\n{effect}")


def result_ready(code: str, procedure: str, agency: str, result: str) -> tuple[str, str]:
    return (f"{PREFIX} Hồ sơ {code} đã có kết quả",
            f"Hồ sơ {code} (thủ tục: {procedure}) đã có kết quả{': ' + result if result else ''}.\n"
            f"Mời ông/bà đến Bộ phận Một cửa - {agency} để nhận kết quả.\n{lookup_hint(code)}")


def refused(code: str, procedure: str, agency: str, reason: str) -> tuple[str, str]:
    return (f"{PREFIX} Hồ sơ {code}: từ chối",
            f"{agency} từ chối hồ sơ {code} (thủ tục: {procedure}).\nLý do: {reason}\n"
            f"Mời ông/bà đến Bộ phận Một cửa để nhận văn bản từ chối và hồ sơ.")


def apology(code: str, procedure: str, agency: str, reason: str, new_due_at) -> tuple[str, str]:
    return (f"{PREFIX} Hồ sơ {code}: xin lỗi và hẹn lại ngày trả kết quả",
            f"{agency} xin lỗi ông/bà vì hồ sơ {code} (thủ tục: {procedure}) chưa được giải quyết đúng hẹn.\n"
            f"Lý do: {reason}\nNgày hẹn trả kết quả mới: {when(new_due_at)}.\n{lookup_hint(code)}")


# --- to officers ---------------------------------------------------------------------------------

def step_due_soon(code: str, procedure: str, step: str, due_at, claimed: bool) -> tuple[str, str]:
    who = ("Bước đang do ông/bà xử lý." if claimed
           else "Bước chưa có người nhận xử lý; ông/bà có vai trò xử lý bước này.")
    return (f"{PREFIX} Sắp đến hạn: {step} — hồ sơ {code}",
            f"Bước «{step}» của hồ sơ {code} (thủ tục: {procedure}) đến hạn lúc {when(due_at)}.\n{who}")


def step_overdue(code: str, procedure: str, step: str, unit: str, due_at, assignee: str | None) -> tuple[str, str]:
    return (f"{PREFIX} Quá hạn: {step} — hồ sơ {code}",
            f"Bước «{step}» của hồ sơ {code} (thủ tục: {procedure}), đơn vị chịu trách nhiệm: {unit}, "
            f"đã quá hạn từ {when(due_at)}.\nNgười xử lý: {assignee or 'chưa có người nhận'}.\n"
            "Đề nghị đôn đốc giải quyết. Bước quá hạn là điểm không phù hợp: đơn vị cần xác định nguyên nhân "
            "và hành động khắc phục.")


def apology_prompt(code: str, procedure: str, due_at, reason: str, signers: list[str]) -> tuple[str, str]:
    return (f"{PREFIX} Cần phát hành Phiếu xin lỗi và hẹn lại (Mẫu 04): hồ sơ {code}",
            f"Hồ sơ {code} (thủ tục: {procedure}) có hẹn trả kết quả lúc {when(due_at)} nhưng không kịp hạn.\n"
            f"Lý do: {reason}\nNgười ký phiếu: {'; '.join(signers) or 'lãnh đạo cơ quan'}.\n"
            "Phiếu xin lỗi và hẹn lại phải được phát hành chậm nhất 01 ngày làm việc trước ngày hẹn; "
            "ngày hẹn mới chỉ được đặt một lần.")


def nonconformity_overdue(code: str, step: str, unit: str, raised_at, action_due_at) -> tuple[str, str]:
    return (f"{PREFIX} Điểm không phù hợp chưa có hành động khắc phục — hồ sơ {code}",
            f"Điểm không phù hợp ghi nhận lúc {when(raised_at)} (bước «{step}» của hồ sơ {code}, "
            f"đơn vị: {unit}) chưa có nguyên nhân và hành động khắc phục; hạn ghi nhận là {when(action_due_at)}.\n"
            "Đề nghị trưởng đơn vị ghi nhận nguyên nhân và hành động khắc phục (ISO 9001, mục 10.2).")
