"""Challenges (課題) as an Excel workbook, and its import (Excel or CSV).

A row with an ID updates that challenge of the organization; a row without one registers a new
challenge. Every row is checked first (部署名 and 分野 from the organization's lists, scores
1–5, labels from the lists, a title and texts that fit their columns, 影響を受ける人数 in range, a
source chosen by hand, status moves the status flow allows, the right to change that
challenge), with the rules and messages of `services`; if any row is wrong nothing is saved and
every problem is reported with its row, column, value and reason. A column missing from the
file leaves that field as it is, and an exported workbook imported unchanged changes nothing
(no audit entries). Every write goes through `services`, so it is checked and audited like a
change on the page.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from chiikidx.core import access, tabular
from chiikidx.core.japanese import wareki
from chiikidx.core.services import ServiceError
from chiikidx.plans.queries import departments_for

from . import priority, queries, services, triage
from .choices import REASON_REQUIRED, ChallengeStatus, Scope, SourceKind, Timing
from .models import Challenge

SHEET = "課題"
LISTS_SHEET = "選択肢"
HEADER_ROW = 2
# Rows below the data that still get the dropdowns, for new challenges typed in.
EXTRA_ROWS = 300


def _choice(choices):
    return tabular.choice({str(label): value for value, label in choices.choices})


SCORE = tabular.integer(min=1, max=5)
SCOPE = _choice(Scope)
TIMING = _choice(Timing)
STATUS = _choice(ChallengeStatus)
# Every kind is read (an exported challenge made from a record keeps its 対話の記録); which ones a
# row may set is services.source_problem's rule.
SOURCE = _choice(SourceKind)

COLUMNS = [
    tabular.Column("id", "ID", tabular.integer(min=1), unique=True, aliases=("課題ID",)),
    tabular.Column("field", "分野"),
    tabular.Column("department", "部署名", aliases=("部署", "原課", "部署(原課)", "担当課")),
    tabular.Column("title", "課題", required=True, aliases=("課題名", "件名")),
    tabular.Column("description", "内容", aliases=("説明",)),
    tabular.Column("affected", "影響を受ける人"),
    tabular.Column(
        "affected_count",
        "影響を受ける人数",
        tabular.integer(min=0, max=services.AFFECTED_COUNT_MAX),
        aliases=("影響を受ける人数(概数)",),
    ),
    tabular.Column("benefit", "裨益性", SCORE),
    tabular.Column("difficulty", "難易度", SCORE),
    tabular.Column("urgency", "緊急性", SCORE),
    tabular.Column("scope", "対応主体", SCOPE),
    tabular.Column("timing", "着手時期", TIMING),
    tabular.Column("status", "状態", STATUS),
    tabular.Column("status_reason", "理由", aliases=("状態の理由",)),
    tabular.Column("shared", "共有", tabular.boolean, aliases=("県と共有",)),
    tabular.Column("source_kind", "出どころ", SOURCE),
]
# Shown in the export to help whoever edits it; never read back.
INFO_COLUMNS = [
    tabular.Column("priority", "優先度(参照のみ)"),
    tabular.Column("quadrant", "区分(参照のみ)"),
    tabular.Column("measure", "施策(参照のみ)"),
]
LABELS = {column.key: column.label for column in COLUMNS}
TEXT_FIELDS = ("title", "description", "affected")
PLAIN_FIELDS = ("affected_count", "benefit", "difficulty", "urgency", "scope", "timing")
PLAIN_FIELDS += ("source_kind",)
# Blank in the file: the stored value stays (a new challenge gets the usual default).
KEEP_WHEN_BLANK = ("scope", "timing", "source_kind")
WIDTHS = {"id": 7, "field": 11, "department": 14, "title": 36, "description": 40}
WIDTHS |= {"affected": 16, "affected_count": 9, "status_reason": 24, "measure": 24}
WIDTHS |= {"quadrant": 22, "source_kind": 12}

THIN = Side(style="thin", color="808080")
BORDER = Border(top=THIN, bottom=THIN, left=THIN, right=THIN)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
INFO_FILL = PatternFill("solid", fgColor="EDEDED")


# --- export ------------------------------------------------------------------------------------


def _challenges(user, organization) -> list[Challenge]:
    found = triage.challenges_of(user, organization).select_related("measure").order_by("pk")
    return list(found)


def row_of(challenge: Challenge, weights) -> dict:
    score = triage.priority_of(challenge, weights)
    return {
        "id": challenge.pk,
        "field": challenge.field,
        "department": challenge.department.name if challenge.department else "",
        "title": challenge.title,
        "description": challenge.description,
        "affected": challenge.affected,
        "affected_count": challenge.affected_count,
        "benefit": challenge.benefit,
        "difficulty": challenge.difficulty,
        "urgency": challenge.urgency,
        "scope": challenge.scope,
        "timing": challenge.timing,
        "status": challenge.status,
        "status_reason": challenge.status_reason,
        "shared": challenge.is_shared,
        "source_kind": challenge.source_kind,
        "priority": score,
        "quadrant": priority.quadrant(challenge.benefit, challenge.difficulty),
        "measure": challenge.measure.title if challenge.measure else "",
    }


def workbook(user, organization, *, with_rows: bool = True) -> bytes:
    """The 課題 sheet (title, header, rows, dropdowns), an instructions sheet and the lists the
    dropdowns read."""
    settings = services.settings_for(organization)
    challenges = _challenges(user, organization) if with_rows else []
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    columns = COLUMNS + INFO_COLUMNS
    _title(sheet, organization, with_rows)
    for c, column in enumerate(columns, start=1):
        _head(sheet.cell(row=HEADER_ROW, column=c, value=column.label), column in INFO_COLUMNS)
    for r, challenge in enumerate(challenges, start=HEADER_ROW + 1):
        row = row_of(challenge, settings.weights)
        for c, column in enumerate(columns, start=1):
            value = tabular.export_value(column, row.get(column.key))
            cell = sheet.cell(row=r, column=c)
            tabular.write_cell(cell, value)
            cell.border = BORDER
            if column in INFO_COLUMNS:
                cell.fill = INFO_FILL
    last = HEADER_ROW + len(challenges) + EXTRA_ROWS
    lists = _lists_sheet(book.create_sheet(LISTS_SHEET), organization, settings, challenges)
    _validations(sheet, lists, last)
    _layout(sheet, columns, HEADER_ROW + len(challenges))
    _instructions(book.create_sheet("説明", 1), settings)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_csv() -> bytes:
    return tabular.write_csv(COLUMNS, [])


def _title(sheet, organization, with_rows: bool) -> None:
    if with_rows:
        title = _("%(org)s 課題の一覧(%(at)s 出力)") % {
            "org": organization.name,
            "at": wareki(timezone.localdate()),
        }
    else:
        title = _("%(org)s 課題の登録用シート") % {"org": organization.name}
    sheet.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)


def _head(cell, info: bool) -> None:
    cell.font = Font(bold=True)
    cell.fill = INFO_FILL if info else HEADER_FILL
    cell.border = BORDER
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _lists_sheet(sheet, organization, settings, challenges) -> dict[str, str]:
    """One column per list; returns column key → the range a dropdown reads."""
    departments = [d.name for d in departments_for(organization)]
    lists = {
        "field": (
            _("分野の一覧"),
            queries.field_choices(settings.fields, (c.field for c in challenges)),
        ),
        "department": (_("部署名の一覧"), departments),
        "scope": (_("対応主体の一覧"), [str(label) for label in Scope.labels]),
        "timing": (_("着手時期の一覧"), [str(label) for label in Timing.labels]),
        "status": (_("状態の一覧"), [str(label) for label in ChallengeStatus.labels]),
        "shared": (_("共有の一覧"), [_("はい"), _("いいえ")]),
        "source_kind": (
            _("出どころの一覧"),
            [str(SourceKind(kind).label) for kind in services.HAND_SOURCES],
        ),
    }
    ranges = {}
    for c, (key, (heading, values)) in enumerate(lists.items(), start=1):
        letter = get_column_letter(c)
        sheet.cell(row=1, column=c, value=heading).font = Font(bold=True)
        for r, value in enumerate(values, start=2):
            tabular.write_cell(sheet.cell(row=r, column=c), value)
        sheet.column_dimensions[letter].width = 20
        ranges[key] = f"'{LISTS_SHEET}'!${letter}$2:${letter}${max(len(values), 1) + 1}"
    return ranges


def _validations(sheet, lists: dict[str, str], last: int) -> None:
    letters = {c.key: get_column_letter(i) for i, c in enumerate(COLUMNS, start=1)}
    first = HEADER_ROW + 1
    for key, source in lists.items():
        rule = DataValidation(type="list", formula1=source, allow_blank=True)
        rule.error = _("一覧から選んでください(「選択肢」シートにあります)。")
        rule.errorTitle = _("一覧にない値です")
        rule.showErrorMessage = True
        rule.add(f"{letters[key]}{first}:{letters[key]}{last}")
        sheet.add_data_validation(rule)
    score = DataValidation(type="whole", operator="between", formula1="1", formula2="5")
    score.allow_blank = True
    score.error = _("1から5の整数で入力してください。")
    score.errorTitle = _("点数は1〜5です")
    score.showErrorMessage = True
    for key in services.SCORE_FIELDS:
        score.add(f"{letters[key]}{first}:{letters[key]}{last}")
    sheet.add_data_validation(score)


def _layout(sheet, columns, last_row: int) -> None:
    for c, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(c)].width = WIDTHS.get(column.key, 10)
    sheet.row_dimensions[HEADER_ROW].height = 32
    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=5)  # ID … 課題 stay in view
    end = get_column_letter(len(columns))
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{end}{max(last_row, HEADER_ROW)}"
    setup = sheet.page_setup
    setup.orientation = sheet.ORIENTATION_LANDSCAPE
    setup.paperSize = sheet.PAPERSIZE_A3
    setup.fitToWidth, setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"


def _instructions(sheet, settings) -> None:
    lines = [
        _("課題の一覧の使い方"),
        _(
            "1. 「課題」シートの1行が1つの課題です。ID列で課題を見分けます。"
            "IDを変えないでください。"
        ),
        _("2. IDのない行は新しい課題として登録します。行を消しても課題は削除されません。"),
        _(
            "3. 分野と部署名は「選択肢」シートの一覧から選びます(分野は団体の「課題の設定」、"
            "部署名は部署の一覧にある名称です)。"
        ),
        _("4. 裨益性・難易度・緊急性は1〜5の整数です(全角の数字も読めます)。空欄は未採点です。"),
        _(
            "5. 状態は 候補 → 採択 → 施策化 → 解決・見送り の順に進みます。変えられるのは、"
            "その状態から進める状態だけです。「施策化」は優先度マップから計画の施策を作ると"
            "自動で付きます。施策になった課題は「施策化」「解決」「見送り」の間で変えます。"
            "「解決」「見送り」にするときは理由を書きます。"
        ),
        _("6. 共有を「はい」にすると、県(DX推進課・リエゾン)もその課題を見られます。"),
        _(
            "7. 出どころは「職員の気づき」「アセスメント」「その他」から選びます。"
            "「対話の記録」「住民の意見」「業務プロセス」は、そのページから作った課題に付き、"
            "変えずに残せます。課題は200文字、影響を受ける人は200文字までです。"
        ),
        _(
            "8. 「優先度」「区分」「施策」の列(灰色)は参照用で、取り込みません。"
            "優先度の計算式: %(formula)s"
        )
        % {"formula": priority.formula_text(settings.weights)},
        _(
            "9. 取り込むと、先にすべての行を確かめます。誤りが1つでもあれば何も保存せず、"
            "誤りのある行・列・値・理由をすべて表示します。"
        ),
        _(
            "10. CSV(UTF-8 または Shift_JIS)で、同じ見出しの列を並べても取り込めます。"
            "ない列の項目は変わりません。"
        ),
        _("11. 原課担当は自分の部署の課題だけを登録・変更できます。"),
    ]
    for row, line in enumerate(lines, start=1):
        sheet.cell(row=row, column=1, value=line)
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.column_dimensions["A"].width = 120


# --- import ------------------------------------------------------------------------------------


@dataclass
class Planned:
    """What one valid row will do: create (challenge None) or update a challenge."""

    row: int
    challenge: Challenge | None
    fields: dict = field(default_factory=dict)
    status: str | None = None
    reason: str = ""
    shared: bool | None = None

    @property
    def changes(self) -> bool:
        return bool(self.fields) or self.status is not None or self.shared is not None


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def import_upload(*, acting_user, organization, data: bytes, filename: str) -> ImportResult:
    """Create and update challenges from the file, or save nothing and report every bad row."""
    result = tabular.read_table(data, filename, COLUMNS)
    context = _Context(acting_user, organization)
    errors = list(result.errors)
    planned = []
    for row in result.rows:
        problems, step = context.plan_row(row, result.present)
        errors += problems
        if step is not None:
            planned.append(step)
    if errors:
        raise tabular.TableImportError(errors)
    return _apply(acting_user, organization, planned)


@transaction.atomic
def _apply(acting_user, organization, planned: list[Planned]) -> ImportResult:
    done = ImportResult()
    for step in planned:
        if step.challenge is not None and not step.changes:
            done.unchanged += 1
            continue
        try:
            _apply_row(acting_user, organization, step)
        except ServiceError as refused:  # a rule checked again by the service: nothing is kept
            raise tabular.TableImportError(
                [tabular.RowError(step.row, "", "", str(refused))]
            ) from refused
        if step.challenge is None:
            done.created += 1
        else:
            done.updated += 1
    return done


def _apply_row(acting_user, organization, step: Planned) -> None:
    challenge = step.challenge
    if challenge is None:
        challenge = services.create_challenge(
            acting_user=acting_user, organization=organization, **step.fields
        )
    elif step.fields:
        services.update_challenge(acting_user=acting_user, challenge=challenge, **step.fields)
    if step.status is not None:
        services.set_status(
            acting_user=acting_user, challenge=challenge, status=step.status, reason=step.reason
        )
    if step.shared is True:
        services.share(acting_user=acting_user, challenge=challenge)
    elif step.shared is False:
        services.unshare(acting_user=acting_user, challenge=challenge)


def _fold(value) -> str:
    return tabular.cell_text(str(value or ""))


class _Context:
    """The organization's departments, 分野 and visible challenges, looked up by what the file
    says, read once."""

    def __init__(self, user, organization):
        self.user = user
        self.organization = organization
        settings = services.settings_for(organization)
        found = triage.attach_organization(_challenges(user, organization), organization)
        self.challenges = {c.pk: c for c in found}
        self.fields = {_fold(name): name for name in settings.fields or []}
        self.departments = {_fold(d.name): d for d in departments_for(organization)}
        self.staff = access.can(user, "change", organization)

    def plan_row(self, row: dict, present: set) -> tuple[list, Planned | None]:
        errors: list[tabular.RowError] = []

        def fail(column: str, value, message: str) -> None:
            errors.append(tabular.RowError(row["_row"], column, str(value or ""), message))

        challenge = None
        if row.get("id") is not None:
            challenge = self.challenges.get(row["id"])
            if challenge is None:
                fail(
                    "ID",
                    row["id"],
                    _("この団体の課題のIDではありません。新しい課題ならIDを空欄にしてください。"),
                )
                return errors, None
        values = self._values(row, present, challenge, fail)
        if errors:
            return errors, None
        if challenge is None:
            step = self._new(row, values, fail)
        else:
            step = self._update(row, present, challenge, values, fail)
        return (errors, None) if errors else ([], step)

    def _values(self, row: dict, present: set, challenge, fail) -> dict:
        values = {}
        if "department" in present:
            values["department"] = self._department(row.get("department"), challenge, fail)
        if "field" in present:
            values["field"] = self._field(row.get("field"), challenge, fail)
        for name in TEXT_FIELDS:
            if name in present:
                values[name] = row.get(name) or ""
                self._check_length(name, values[name], challenge, fail)
        for name in PLAIN_FIELDS:
            if name in present and not (row.get(name) is None and name in KEEP_WHEN_BLANK):
                values[name] = row.get(name)
        if "source_kind" in values:
            self._check_source(values["source_kind"], challenge, fail)
        return values

    def _check_length(self, name: str, value: str, challenge, fail) -> None:
        """Too long for its column (PostgreSQL would refuse the row, SQLite keep it): reported,
        never cut. A value unchanged on the challenge passes."""
        if challenge is not None and _fold(getattr(challenge, name)) == _fold(value):
            return
        problem = services.value_problem(name, value)
        if problem:
            fail(LABELS[name], _shorten(value), problem)

    def _check_source(self, kind: str, challenge, fail) -> None:
        problem = services.source_problem(kind, challenge)
        if problem:
            fail(LABELS["source_kind"], SourceKind(kind).label, problem)

    def _department(self, name, challenge, fail):
        if not name:
            return None
        found = self.departments.get(_fold(name))
        current = challenge.department if challenge is not None else None
        if found is None and current and _fold(current.name) == _fold(name):
            return current  # archived since, but unchanged: keep it
        if found is None:
            fail(
                "部署名",
                name,
                _(
                    "この団体にない部署です。「選択肢」シートか部署の一覧にある名称を書いてください。"
                ),
            )
        return found

    def _field(self, name, challenge, fail) -> str:
        if not name:
            return ""
        found = self.fields.get(_fold(name))
        if found is None and challenge is not None and _fold(challenge.field) == _fold(name):
            return challenge.field  # no longer in the list, but unchanged: keep it
        if found is None:
            fail("分野", name, services.field_problem(list(self.fields.values()), name))
        return found or ""

    def _new(self, row: dict, values: dict, fail) -> Planned:
        department = values.get("department")
        if not access.can_create_in(self.user, self.organization, department):
            fail(
                "部署名",
                department.name if department else "",
                _(
                    "この部署の課題を登録する権限がありません。"
                    "原課担当は自分の部署を部署名に書いてください。"
                ),
            )
        step = Planned(row["_row"], None, values)
        status = row.get("status")
        if status and status != ChallengeStatus.CANDIDATE:
            self._check_move(Challenge(status=ChallengeStatus.CANDIDATE), status, row, fail)
            step.status, step.reason = status, row.get("status_reason") or ""
        elif row.get("status_reason"):
            fail(
                "理由",
                row["status_reason"],
                _("理由は「解決」「見送り」などに状態を変えるときに書きます。空欄にしてください。"),
            )
        step.shared = True if row.get("shared") else None
        return step

    def _update(self, row: dict, present: set, challenge, values: dict, fail) -> Planned:
        step = Planned(row["_row"], challenge, _changed(challenge, values))
        status = row.get("status") if "status" in present else None
        reason = (row.get("status_reason") or "") if "status_reason" in present else None
        if status is not None and status != challenge.status:
            self._check_move(challenge, status, row, fail)
            step.status = status
            step.reason = reason if reason is not None else ""
        elif reason is not None and _fold(reason) != _fold(challenge.status_reason):
            fail(
                "理由",
                reason,
                _(
                    "理由は状態を変えるときだけ書き換えられます。"
                    "状態を変えないなら、理由を元のままにしてください。"
                ),
            )
        shared = row.get("shared") if "shared" in present else None
        if shared is not None and shared != challenge.is_shared:
            if not shared and challenge.is_escalated:
                fail(
                    "共有",
                    _("いいえ"),
                    _(
                        "県・広域に上げた課題は共有をやめられません。"
                        "先に課題のページで「上げるのをやめる」を選んでください。"
                    ),
                )
            step.shared = shared
        if step.changes:
            self._check_rights(challenge, step, fail)
        return step

    def _check_move(self, challenge: Challenge, status: str, row: dict, fail) -> None:
        """The move the status flow allows from where the challenge is (with or without its
        plan measure), as services.set_status decides."""
        label = ChallengeStatus(status).label
        problem = services.status_problem(challenge, status)
        if problem:
            fail("状態", label, problem)
        elif status in REASON_REQUIRED and not row.get("status_reason"):
            fail(
                "理由",
                "",
                _("「%(to)s」にする理由を「理由」の列に書いてください。") % {"to": label},
            )

    def _check_rights(self, challenge, step: Planned, fail) -> None:
        if not access.can(self.user, "change", challenge):
            fail(
                "ID",
                challenge.pk,
                _(
                    "この課題を変更する権限がありません。原課担当は自分の部署の課題だけを"
                    "変更できます。変えない行は元のままにしてください。"
                ),
            )
            return
        department = step.fields.get("department", challenge.department)
        if "department" in step.fields and not access.can_create_in(
            self.user, self.organization, department
        ):
            fail(
                "部署名",
                department.name if department else "",
                _("原課担当は、課題を自分の部署の外へ移せません。部署名を元に戻してください。"),
            )


def _shorten(value: str) -> str:
    """A long text as the problem table shows it (its start; the reason gives its length)."""
    return value if len(value) <= 30 else value[:29] + "…"


def _changed(challenge: Challenge, values: dict) -> dict:
    changed = {}
    for name, value in values.items():
        current = getattr(challenge, name)
        same = _fold(current) == _fold(value) if name in TEXT_FIELDS else current == value
        if not same:
            changed[name] = value
    return changed
