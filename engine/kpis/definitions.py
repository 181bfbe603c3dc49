"""The KPI vocabulary (DOMAIN §7, Decision 766/QĐ-TTg): every figure's key, Vietnamese label and kind, and
how the derived figures (rates, hours) follow from the counts the SQL returns. Defined here once; the
API, the dashboard and the .xlsx export all read these."""

from __future__ import annotations

from enum import StrEnum
from typing import Callable, Mapping


class Kpi(StrEnum):
    # reception (by receipt time in the period)
    RECEIVED = "received"
    RECEIVED_DESK = "received_desk"
    RECEIVED_ONLINE = "received_online"
    RECEIVED_POSTAL = "received_postal"
    ONLINE_SHARE = "online_share"
    SUPPLEMENTED = "supplemented"
    SUPPLEMENT_RATE = "supplement_rate"
    # decisions (by resolution time in the period), judged against the statutory due date
    RESOLVED = "resolved"
    EARLY = "early"
    ON_TIME = "on_time"
    LATE = "late"
    ON_TIME_RATE = "on_time_rate"
    REFUSED = "refused"
    REFUSAL_RATE = "refusal_rate"
    AVG_HOURS = "avg_hours"
    P90_HOURS = "p90_hours"
    PAUSED_DOSSIERS = "paused_dossiers"
    PAUSED_HOURS = "paused_hours"
    # now, whatever the period
    OPEN_NOW = "open_now"
    OVERDUE_NOW = "overdue_now"
    PAUSED_NOW = "paused_now"


class KpiKind(StrEnum):
    COUNT = "count"
    SHARE = "share"  # 0..1, None when the denominator is 0
    HOURS = "hours"  # working hours, None when nothing was measured


KPI_KINDS: dict[Kpi, KpiKind] = {
    **{k: KpiKind.COUNT for k in Kpi},
    Kpi.ONLINE_SHARE: KpiKind.SHARE, Kpi.SUPPLEMENT_RATE: KpiKind.SHARE, Kpi.ON_TIME_RATE: KpiKind.SHARE,
    Kpi.REFUSAL_RATE: KpiKind.SHARE,
    Kpi.AVG_HOURS: KpiKind.HOURS, Kpi.P90_HOURS: KpiKind.HOURS, Kpi.PAUSED_HOURS: KpiKind.HOURS,
}

KPI_LABELS_VI: dict[Kpi, str] = {
    Kpi.RECEIVED: "Hồ sơ tiếp nhận",
    Kpi.RECEIVED_DESK: "Tiếp nhận trực tiếp",
    Kpi.RECEIVED_ONLINE: "Tiếp nhận trực tuyến",
    Kpi.RECEIVED_POSTAL: "Tiếp nhận qua bưu chính",
    Kpi.ONLINE_SHARE: "Tỷ lệ hồ sơ nộp trực tuyến",
    Kpi.SUPPLEMENTED: "Hồ sơ phải bổ sung",
    Kpi.SUPPLEMENT_RATE: "Tỷ lệ hồ sơ phải bổ sung",
    Kpi.RESOLVED: "Hồ sơ đã giải quyết",
    Kpi.EARLY: "Giải quyết trước hạn",
    Kpi.ON_TIME: "Giải quyết đúng hạn",
    Kpi.LATE: "Giải quyết quá hạn",
    Kpi.ON_TIME_RATE: "Tỷ lệ giải quyết trước hạn, đúng hạn",
    Kpi.REFUSED: "Hồ sơ từ chối giải quyết",
    Kpi.REFUSAL_RATE: "Tỷ lệ từ chối giải quyết",
    Kpi.AVG_HOURS: "Thời gian giải quyết trung bình (giờ làm việc)",
    Kpi.P90_HOURS: "Thời gian giải quyết, phân vị 90 (giờ làm việc)",
    Kpi.PAUSED_DOSSIERS: "Hồ sơ có thời gian tạm dừng",
    Kpi.PAUSED_HOURS: "Tổng thời gian tạm dừng chờ bổ sung (giờ làm việc)",
    Kpi.OPEN_NOW: "Đang giải quyết (hiện tại)",
    Kpi.OVERDUE_NOW: "Đang quá hạn (hiện tại)",
    Kpi.PAUSED_NOW: "Đang tạm dừng chờ bổ sung (hiện tại)",
}

# The counts the SQL returns; every other figure is derived from them below.
BASE_KPIS = (
    Kpi.RECEIVED, Kpi.RECEIVED_DESK, Kpi.RECEIVED_ONLINE, Kpi.RECEIVED_POSTAL, Kpi.SUPPLEMENTED,
    Kpi.RESOLVED, Kpi.EARLY, Kpi.ON_TIME, Kpi.LATE, Kpi.REFUSED, Kpi.PAUSED_DOSSIERS,
    Kpi.OPEN_NOW, Kpi.OVERDUE_NOW, Kpi.PAUSED_NOW,
)
# Working-minute measures from SQL (sums, averages, percentile), turned into hours.
MINUTE_MEASURES = {"avg_minutes": Kpi.AVG_HOURS, "p90_minutes": Kpi.P90_HOURS, "paused_minutes": Kpi.PAUSED_HOURS}

PERCENTILE = 0.9  # nearest-rank: the smallest value with at least 90% of the values at or below it
SHARE_DIGITS = 4
HOURS_DIGITS = 2


def share(part: int | None, whole: int | None) -> float | None:
    return round(part / whole, SHARE_DIGITS) if part is not None and whole else None


def hours(minutes: float | int | None) -> float | None:
    return None if minutes is None else round(minutes / 60, HOURS_DIGITS)


DERIVED: dict[Kpi, Callable[[Mapping[Kpi, int]], float | None]] = {
    Kpi.ONLINE_SHARE: lambda f: share(f[Kpi.RECEIVED_ONLINE], f[Kpi.RECEIVED]),
    Kpi.SUPPLEMENT_RATE: lambda f: share(f[Kpi.SUPPLEMENTED], f[Kpi.RECEIVED]),
    Kpi.ON_TIME_RATE: lambda f: share(f[Kpi.EARLY] + f[Kpi.ON_TIME], f[Kpi.RESOLVED]),
    Kpi.REFUSAL_RATE: lambda f: share(f[Kpi.REFUSED], f[Kpi.RESOLVED]),
}


NOW_KPIS = (Kpi.OPEN_NOW, Kpi.OVERDUE_NOW, Kpi.PAUSED_NOW)  # a snapshot: meaningless for a past month


def figures(counts: Mapping[Kpi, int], minutes: Mapping[str, float | int | None],
            with_now: bool = True) -> dict[Kpi, int | float | None]:
    """Every KPI, in the enum's order, from the SQL counts and working-minute measures."""
    base = {k: int(counts.get(k) or 0) for k in BASE_KPIS}
    result: dict[Kpi, int | float | None] = dict(base)
    result.update({k: derive(base) for k, derive in DERIVED.items()})
    result.update({k: hours(minutes.get(name)) for name, k in MINUTE_MEASURES.items()})
    if not with_now:
        result.update(dict.fromkeys(NOW_KPIS))
    return {k: result[k] for k in Kpi}


# Decision 766/QĐ-TTg (2022): the progress and online-service indicators our records support, and those
# that need data the engine does not hold.
INDICATORS_766 = (
    ("on_time_share", "Tỷ lệ hồ sơ giải quyết trước hạn, đúng hạn", Kpi.ON_TIME_RATE),
    ("online_share", "Tỷ lệ hồ sơ nộp trực tuyến", Kpi.ONLINE_SHARE),
    ("avg_processing_hours", "Thời gian giải quyết trung bình (giờ làm việc), theo từng thủ tục", Kpi.AVG_HOURS),
)
UNAVAILABLE_766 = (
    ("digitised_share", "Tỷ lệ số hóa hồ sơ, kết quả giải quyết TTHC",
     "Chưa ghi nhận việc số hóa thành phần hồ sơ và kết quả (tệp điện tử, ký số)."),
    ("satisfaction", "Mức độ hài lòng của người dân, doanh nghiệp",
     "Chưa có khảo sát, đánh giá hài lòng của người nộp hồ sơ."),
    ("online_payment_share", "Tỷ lệ thanh toán phí, lệ phí trực tuyến",
     "Chưa ghi nhận việc nộp phí, lệ phí và hình thức thanh toán."),
    ("publication", "Công khai, minh bạch thủ tục hành chính",
     "Có danh mục thủ tục đã ban hành, nhưng chưa có danh mục thủ tục phải công khai để tính tỷ lệ."),
)
