"""Actuals from Excel or CSV (chiikidx.core.tabular), and the template to fill in.

One row is one KPI's actual for one period. The KPI is found by its ID, else by its 番号 or
名称; the period is a name (令和7年4月, 令和7年度 Q1, 令和7年度 上期, 令和7年度) or any date in
it. Every row is checked with the same rules as the page (services.check_actual); if any row
is wrong nothing is saved and every problem is reported with its row and column. A row whose
period already has an actual corrects it (a new version); the same value and comment again
changes nothing.
"""

from __future__ import annotations

import datetime
import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chiikidx.core import bulksql, tabular

from . import periods, queries, services
from .choices import Frequency, KpiKind
from .models import Kpi, KpiActual

COLUMNS = [
    tabular.Column("id", "KPI ID", tabular.integer(min=1), aliases=("ID",)),
    tabular.Column("code", "KPI番号", aliases=("番号",)),
    tabular.Column("name", "KPI名", aliases=("KPI", "名称", "指標名")),
    tabular.Column("period", "期間", required=True, aliases=("対象期間", "年月")),
    # Not required in a row: the template lists every period due, and blank ones are skipped.
    tabular.Column("value", "実績値", aliases=("実績", "値")),
    tabular.Column("comment", "コメント", aliases=("備考",)),
]
# Shown in the template to help whoever fills it in; ignored when importing.
INFO_COLUMNS = [
    tabular.Column("unit", "単位"),
    tabular.Column("frequency", "入力の頻度"),
    tabular.Column("deadline", "入力期限", tabular.date_),
]
TEMPLATE_COLUMNS = [*COLUMNS[:3], *INFO_COLUMNS[:2], COLUMNS[3], COLUMNS[4], COLUMNS[5]]
TEMPLATE_COLUMNS.append(INFO_COLUMNS[2])
FREQUENCY_LABELS = dict(Frequency.choices)


# --- the template ---------------------------------------------------------------------------


def template_rows(user, organization, today: datetime.date | None = None) -> list[dict]:
    """A row for every period due (ended, not yet entered) of each KPI the user may enter."""
    kpis = [
        k
        for k in queries.kpis_of(organization).filter(is_active=True).order_by("code", "name")
        if services.can_record(user, k)
    ]
    rows = []
    for state in queries.states(kpis, today, recorders=False):
        kpi = state.kpi
        for period in state.evaluation.due:
            rows.append(
                {
                    "id": kpi.pk,
                    "code": kpi.code,
                    "name": kpi.name,
                    "unit": kpi.unit_label,
                    "frequency": str(FREQUENCY_LABELS[kpi.frequency]),
                    "period": period.label,
                    "value": None,
                    "comment": "",
                    "deadline": period.end + datetime.timedelta(days=kpi.grace_days),
                }
            )
    return rows


def template_xlsx(user, organization) -> bytes:
    title = _("%(org)s KPIの実績(実績値の列に入力して取り込みます)") % {"org": organization.name}
    rows = template_rows(user, organization)
    return tabular.write_xlsx(TEMPLATE_COLUMNS, rows, title=title, sheet_title=_("実績"))


def template_csv(user, organization) -> bytes:
    return tabular.write_csv(TEMPLATE_COLUMNS, template_rows(user, organization))


# --- import ---------------------------------------------------------------------------------


@dataclass
class _Context:
    """The organization's KPIs, their current actuals and the locks, read once."""

    organization: object
    user: object
    today: datetime.date
    by_id: dict = field(default_factory=dict)
    by_key: dict = field(default_factory=dict)
    current: dict = field(default_factory=dict)  # (kpi id, period start) → KpiActual
    locks: list = field(default_factory=list)
    seen: dict = field(default_factory=dict)  # (kpi id, period start) → row
    # A file repeats the same few periods and KPIs in many rows: each is read and checked once.
    periods: dict = field(default_factory=dict)  # (frequency, cell) → Period or ValueError
    rights: dict = field(default_factory=dict)  # KPI id → may the user record its actuals

    def load(self) -> _Context:
        # Locked (as record_actual locks its KPI) so that nothing is entered between this read
        # and the write; with their organization, which the rights and the audit read per KPI.
        kpis = list(
            queries.kpis_of(self.organization).select_for_update(of=("self",)).order_by("pk")
        )
        self.by_id = {k.pk: k for k in kpis}
        for kpi in kpis:
            for key in (kpi.code, kpi.name):
                if key:
                    self.by_key.setdefault(_fold(key), []).append(kpi)
        found = KpiActual.objects.filter(
            kpi__organization=self.organization, is_current=True
        ).order_by()  # the model's ordering would sort them by organization and KPI code
        kpi_cache = KpiActual.kpi.field
        for actual in found:  # with its KPI, which str() and the audit entry read
            kpi_cache.set_cached_value(actual, self.by_id[actual.kpi_id])
            self.current[(actual.kpi_id, actual.period_start)] = actual
        self.locks = queries.locks_of(self.organization)
        return self

    def kpi_of(self, row: dict) -> tuple[Kpi | None, tabular.RowError | None]:
        where = row["_row"]
        if row.get("id") is not None:
            kpi = self.by_id.get(row["id"])
            if kpi is None:
                message = _("この団体のKPIのIDではありません。テンプレートのIDを使ってください。")
                return None, tabular.RowError(where, "KPI ID", str(row["id"]), message)
            return kpi, None
        for column, key in (("KPI番号", "code"), ("KPI名", "name")):
            if row.get(key):
                found = self.by_key.get(_fold(row[key]), [])
                if len(found) == 1:
                    return found[0], None
                message = (
                    _("同じ番号・名称のKPIが複数あります。KPI IDの列で指定してください。")
                    if found
                    else _("この団体にないKPIです。KPIの一覧にある番号か名称を書いてください。")
                )
                return None, tabular.RowError(where, column, str(row[key]), message)
        message = _("KPI ID・KPI番号・KPI名のどれかを入力してください。")
        return None, tabular.RowError(where, "KPI ID", "", message)

    def plan_row(self, row: dict) -> tuple[list, services.PlannedActual | None]:
        where = row["_row"]
        if row.get("value") is None:
            return [], None  # left blank: nothing to record for this period yet
        kpi, error = self.kpi_of(row)
        if error is not None:
            return [error], None
        if not self.may_record(kpi):
            message = _(
                "このKPIの実績を入力する権限がありません(担当者・担当部署の職員と"
                "団体の管理者・職員だけが入力できます)。"
            )
            return [tabular.RowError(where, "KPI名", kpi.name, message)], None
        period = self.period_of(kpi, row["period"])
        if isinstance(period, ValueError):
            return [tabular.RowError(where, "期間", tabular.text(row["period"]), str(period))], None
        try:
            value = parse_value(kpi, row["value"])
        except ValueError as exc:
            return [tabular.RowError(where, "実績値", tabular.text(row["value"]), str(exc))], None
        key = (kpi.pk, period.start)
        if key in self.seen:
            message = _("%(row)s行目と同じKPI・期間です。1行にまとめてください。") % {
                "row": self.seen[key]
            }
            return [tabular.RowError(where, "期間", period.label, message)], None
        self.seen[key] = where
        lock = services.lock_of(kpi.organization_id, period, self.locks)
        problem = services.check_actual(
            kpi, period, value, today=self.today, lock=lock, neighbours=(None, None)
        )
        if problem:
            return [tabular.RowError(where, "実績値", _display(value), problem)], None
        comment = (row.get("comment") or "").strip()
        current = self.current.get(key)
        return [], services.PlannedActual(kpi, period, value, comment, current)

    def may_record(self, kpi: Kpi) -> bool:
        if kpi.pk not in self.rights:
            self.rights[kpi.pk] = services.can_record(self.user, kpi)
        return self.rights[kpi.pk]

    def period_of(self, kpi: Kpi, cell) -> periods.Period | ValueError:
        key = (kpi.frequency, type(cell), cell)
        if key not in self.periods:
            try:
                self.periods[key] = periods.parse_period(kpi.frequency, cell)
            except ValueError as exc:
                self.periods[key] = exc
        return self.periods[key]

    def cumulative_errors(self, planned: list, rows: dict) -> list[tabular.RowError]:
        """A cumulative count never goes down, over stored and imported values together."""
        errors = []
        by_kpi = defaultdict(dict)
        for (kpi_id, start), actual in self.current.items():
            by_kpi[kpi_id][start] = (actual.value, None)
        for step in planned:
            if step.kpi.kind == KpiKind.COUNT_CUMULATIVE:
                by_kpi[step.kpi.pk][step.period.start] = (step.value, step)
        for kpi_id, series in by_kpi.items():
            if self.by_id[kpi_id].kind != KpiKind.COUNT_CUMULATIVE:
                continue
            ordered = sorted(series.items())
            for (_s, (before, earlier)), (_e, (value, later)) in itertools.pairwise(ordered):
                if value >= before or (earlier is None and later is None):
                    continue
                if later is not None:
                    message = _(
                        "累計の件数が前の期間の値(%(v)s)より小さくなっています。"
                        "累計は減らないように入力してください。"
                    ) % {"v": services.number_text(before)}
                    errors.append(
                        tabular.RowError(rows[id(later)], "実績値", _display(value), message)
                    )
                else:
                    message = _(
                        "累計の件数が次の期間の値(%(v)s)より大きくなっています。"
                        "累計は減らないように入力してください。"
                    ) % {"v": services.number_text(value)}
                    errors.append(
                        tabular.RowError(rows[id(earlier)], "実績値", _display(before), message)
                    )
        return errors


def _fold(value) -> str:
    return tabular.cell_text(str(value or "")).casefold()


def _display(value: Decimal) -> str:
    return f"{value.normalize():f}"


def parse_value(kpi: Kpi, raw) -> Decimal:
    """A cell as the KPI's value: はい/いいえ (○/×, 1/0) for a milestone, else a number."""
    if kpi.kind == KpiKind.MILESTONE:
        return Decimal(int(tabular.boolean(raw)))
    return _decimal(raw)


_decimal = tabular.decimal_()


@bulksql.collector_paused()
@transaction.atomic
def import_upload(
    *, acting_user, organization, data: bytes, filename: str, today=None
) -> dict[str, int]:
    """Save every row, or nothing: TableImportError lists every bad row."""
    today = today or timezone.localdate()
    result = tabular.read_table(data, filename, COLUMNS)
    if result.header_row is not None and not result.errors and "value" not in result.present:
        message = _("必須の列「実績値」が見つかりません。テンプレートの見出しを使ってください。")
        raise tabular.TableImportError([tabular.RowError(result.header_row, "", "", message)])
    context = _Context(organization, acting_user, today).load()
    errors = list(result.errors)
    planned, rows = [], {}
    for row in result.rows:
        problems, step = context.plan_row(row)
        errors += problems
        if step is not None:
            planned.append(step)
            rows[id(step)] = row["_row"]
    errors += context.cumulative_errors(planned, rows)
    if errors:
        raise tabular.TableImportError(errors)
    if not planned:
        raise tabular.TableFileError(
            _("取り込む行がありません。「実績値」の列に値を入力してから取り込んでください。")
        )
    return services.apply_actuals(
        acting_user=acting_user, organization=organization, planned=planned, source="import"
    )
