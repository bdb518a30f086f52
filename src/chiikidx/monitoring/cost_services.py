"""Writes of cost-effectiveness cases (費用対効果の試算): atomic, with the acting user, audited
through the models. The page's form and the API both go through `save_cost_case`, so they
accept and refuse the same values with the same messages."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from chiikidx.core import access, audit
from chiikidx.core.japanese import nendo_label
from chiikidx.core.services import ServiceError

from .choices import COUNT_KINDS, CostKind, KpiKind
from .models import CostAdoption, CostCase

CASE_FIELDS = (
    "measure",
    "kind",
    "procedure",
    "note",
    "annual_procedures",
    "travel_minutes",
    "waiting_minutes",
    "filling_minutes",
    "travel_cost",
    "postage",
    "time_value",
    "staff_minutes",
    "staff_hourly_cost",
    "initial_cost",
    "running_cost",
    "discount_rate",
    "first_fy",
    "last_fy",
    "kpi",
)
NUMBER_FIELDS = CASE_FIELDS[4:16]
FIRST_FY, LAST_FY = 2000, 2100  # a 年度 outside is a typo
MAX_YEARS = 30


class CaseError(ServiceError):
    """A refused case; `field` names the input it is about (None: the case as a whole)."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class AdoptionInput:
    """普及率 of one 年度 (%): low ≤ base ≤ high."""

    fiscal_year: int
    low: Decimal | None
    base: Decimal | None
    high: Decimal | None


def check_right(user, organization) -> None:
    if not access.can(user, "change", organization):
        raise ServiceError(_("この団体の費用対効果の試算を登録・変更する権限がありません。"))


@transaction.atomic
def save_cost_case(
    *,
    acting_user,
    organization,
    case: CostCase | None = None,
    adoption: Iterable[AdoptionInput] | None = None,
    **fields,
) -> CostCase:
    """Create or change a case and its adoption rows (all or nothing)."""
    check_right(acting_user, organization)
    case = case or CostCase(organization=organization)
    if case.organization_id != organization.pk:
        raise ServiceError(_("この試算は別の団体のものです。"))
    for name in CASE_FIELDS:
        if name in fields:
            setattr(case, name, fields[name])
    _check_case(case)
    rows = list(adoption) if adoption is not None else _stored_rows(case)
    _check_adoption(case, rows)
    with audit.acting_as(acting_user):
        case.save()
        if adoption is not None:
            _set_adoption(case, rows)
    return case


@transaction.atomic
def delete_cost_case(*, acting_user, case: CostCase) -> None:
    check_right(acting_user, case.organization)
    with audit.acting_as(acting_user):
        case.delete()


def _stored_rows(case: CostCase) -> list[AdoptionInput]:
    if case.pk is None:
        return []
    return [
        AdoptionInput(a.fiscal_year, a.low, a.base, a.high)
        for a in CostAdoption.objects.filter(case=case)
    ]


# --- checks -----------------------------------------------------------------------------------


def _label(name: str) -> str:
    return str(CostCase._meta.get_field(name).verbose_name)


def _check_case(case: CostCase) -> None:
    case.procedure = (case.procedure or "").strip()
    if not case.procedure:
        raise CaseError(
            _("手続の名称を入力してください(例: 住民票の写し等の交付申請)。"), "procedure"
        )
    if len(case.procedure) > 200:
        raise CaseError(_("手続の名称は200字以内で入力してください。"), "procedure")
    if case.kind not in CostKind.values:
        raise CaseError(
            _("種類は、オンライン申請・書かない窓口・ワンストップ窓口・その他から選んでください。"),
            "kind",
        )
    measure = case.measure if case.measure_id else None
    if measure is None:
        raise CaseError(_("試算する施策を選んでください。"), "measure")
    if measure.plan.organization_id != case.organization_id:
        raise CaseError(_("施策はこの団体の計画の施策から選んでください。"), "measure")
    _check_kpi(case)
    for name in NUMBER_FIELDS:
        problem = number_problem(name, getattr(case, name))
        if problem:
            raise CaseError(problem, name)
        # As stored (5 → 5.00), so that saving again records no change in the audit log.
        setattr(case, name, _stored(getattr(case, name), CostCase._meta.get_field(name)))
    if case.discount_rate > 100:
        raise CaseError(_("割引率(%/年)は0〜100の範囲で入力してください(例: 4)。"), "discount_rate")
    _check_years(case)


def _check_kpi(case: CostCase) -> None:
    kpi = case.kpi if case.kpi_id else None
    if kpi is None:
        return
    if kpi.organization_id != case.organization_id:
        raise CaseError(_("実績に使うKPIは、この団体のKPIから選んでください。"), "kpi")
    if kpi.kind not in COUNT_KINDS:
        raise CaseError(
            _(
                "実績に使うKPIは、種類が「件数(期間ごと)」か「件数(累計)」のKPIを選んでください"
                "(「%(name)s」は「%(kind)s」です)。"
            )
            % {"name": kpi.name, "kind": KpiKind(kpi.kind).label},
            "kpi",
        )


def number_problem(name: str, value) -> str | None:
    """What is wrong with one number of a case (None: acceptable)."""
    label = _label(name)
    if value is None:
        if name == "staff_hourly_cost":
            return _(
                "職員の人件費(円/時)を入力してください。1人あたりの年間人件費 ÷ 年間の勤務時間で"
                "求めます(例: 7,000,000円 ÷ 1,880時間 ≈ 3,723円/時)。"
            )
        return _("「%(label)s」を入力してください。") % {"label": label}
    if value < 0:
        return _("「%(label)s」は0以上の数で入力してください。") % {"label": label}
    field = CostCase._meta.get_field(name)
    places = field.decimal_places
    exponent = Decimal(value).normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        if places == 0:
            return _("「%(label)s」は整数で入力してください(小数点以下は使えません)。") % {
                "label": label
            }
        return _("「%(label)s」は小数点以下%(n)s桁までで入力してください。") % {
            "label": label,
            "n": places,
        }
    if value >= Decimal(10) ** (field.max_digits - places):
        return _("「%(label)s」が大きすぎます。単位を確かめてください。") % {"label": label}
    return None


def _check_years(case: CostCase) -> None:
    for name in ("first_fy", "last_fy"):
        fy = getattr(case, name)
        if fy is not None and not FIRST_FY <= fy <= LAST_FY:
            raise CaseError(
                _("「%(label)s」は「令和7年度」「2025」のように入力してください。")
                % {"label": _label(name)},
                name,
            )
    years = case.years
    if len(years) < 1:
        raise CaseError(
            _("最後の年度(%(last)s)は最初の年度(%(first)s)以降にしてください。")
            % {"first": nendo_label(years.start), "last": nendo_label(years.stop - 1)},
            "last_fy",
        )
    if len(years) > MAX_YEARS:
        raise CaseError(
            _("試算の期間は%(n)s年度までにしてください。") % {"n": MAX_YEARS}, "last_fy"
        )


def _period_text(years: range) -> str:
    return f"{nendo_label(years.start)}〜{nendo_label(years.stop - 1)}"


def _check_adoption(case: CostCase, rows: list[AdoptionInput]) -> None:
    try:
        _check_rows(case.years, rows)
    except CaseError as refused:
        refused.field = refused.field or "adoption"
        raise


def _check_rows(years: range, rows: list[AdoptionInput]) -> None:
    seen: set[int] = set()
    for row in rows:
        label = nendo_label(row.fiscal_year)
        if row.fiscal_year in seen:
            raise CaseError(_("%(fy)sの普及率が2行あります。1行にしてください。") % {"fy": label})
        seen.add(row.fiscal_year)
        if row.fiscal_year not in years:
            raise CaseError(
                _(
                    "%(fy)sは試算の期間(%(period)s)の外です。"
                    "期間を広げるか、その年度の普及率の行を空にしてください。"
                )
                % {"fy": label, "period": _period_text(years)}
            )
        _check_shares(label, row)
    missing = [nendo_label(fy) for fy in years if fy not in seen]
    if missing:
        raise CaseError(
            _(
                "%(years)sの普及率(低位・基準・高位)を入力してください。"
                "新しい方法を使わない年度は0を入力します。"
            )
            % {"years": "・".join(missing)}
        )


def _check_shares(label: str, row: AdoptionInput) -> None:
    values = (row.low, row.base, row.high)
    if any(v is None for v in values):
        raise CaseError(
            _("%(fy)sの普及率は、低位・基準・高位の3つとも入力してください。") % {"fy": label}
        )
    if any(not 0 <= v <= 100 for v in values):
        raise CaseError(_("%(fy)sの普及率は0〜100(%%)の範囲で入力してください。") % {"fy": label})
    if any(
        isinstance(e, int) and e < -2 for e in (v.normalize().as_tuple().exponent for v in values)
    ):
        raise CaseError(_("%(fy)sの普及率は小数点以下2桁までで入力してください。") % {"fy": label})
    if not row.low <= row.base <= row.high:
        raise CaseError(
            _(
                "%(fy)sの普及率は 低位 ≤ 基準 ≤ 高位 になるように入力してください"
                "(いまは 低位 %(low)s%%、基準 %(base)s%%、高位 %(high)s%%)。"
            )
            % {
                "fy": label,
                "low": _plain(row.low),
                "base": _plain(row.base),
                "high": _plain(row.high),
            }
        )


def _stored(value, field) -> Decimal:
    return Decimal(value).quantize(Decimal(1).scaleb(-field.decimal_places))


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _set_adoption(case: CostCase, rows: list[AdoptionInput]) -> None:
    stored = {a.fiscal_year: a for a in CostAdoption.objects.filter(case=case)}
    share = CostAdoption._meta.get_field("base")
    for given in rows:
        row = AdoptionInput(
            given.fiscal_year, *(_stored(v, share) for v in (given.low, given.base, given.high))
        )
        found = stored.pop(row.fiscal_year, None) or CostAdoption(
            case=case, fiscal_year=row.fiscal_year
        )
        if found.pk is None or (found.low, found.base, found.high) != (row.low, row.base, row.high):
            found.low, found.base, found.high = row.low, row.base, row.high
            found.save()
    for gone in stored.values():
        gone.delete()


def unlink_kpi(sender, instance, **kwargs) -> None:
    """Before a KPI is deleted, its cases stop using it — through an audited update (Django's
    own SET_NULL would write past the audit log)."""
    CostCase.objects.filter(kpi=instance).update(kpi=None)
