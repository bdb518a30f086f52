"""Excel round-trip of one municipality's response: a pre-filled template with dropdowns and
input rules, and the upload of the filled template (every cell checked, nothing saved unless
the whole file is valid).

Evidence files cannot travel in a workbook: their names are shown read-only (a locked column of
the template, a sheet of the round workbook) and are never read back, so an import leaves the
files as they are."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

from django.db import transaction
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.worksheet.datavalidation import DataValidation

from chiikidx.core import bulksql, tabular
from chiikidx.core.japanese import wareki

from . import answers, evidence, queries, services
from .choices import EDITABLE_STATUSES, QuestionType
from .definition import FrameworkDef, QuestionDef
from .models import EvidenceFile, Response

SHEET = "回答"
HEADER_ROW = 5
COLUMNS = [
    "設問コード",
    "観点",
    "設問",
    "種類",
    "回答",
    "入力のきまり",
    "前回の回答",
    "添付ファイル(参考・取り込みません)",
]
ANSWER_COLUMN = "E"
READ_COLUMNS = [
    tabular.Column("code", "設問コード", tabular.text, required=True, unique=True),
    tabular.Column("answer", "回答", None),
]
HEADER_FILL = PatternFill("solid", fgColor="DCE6F8")
INPUT_FILL = PatternFill("solid", fgColor="FFF8E6")


def template(response: Response) -> bytes:
    definition = services.definition_for(response)
    values = services.answer_values(response)
    previous = queries.previous_response(response)
    before = services.answer_values(previous) if previous else {}
    files = evidence.files_by_question(response)
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    _header(sheet, response)
    for offset, q in enumerate(definition.questions()):
        row = HEADER_ROW + 1 + offset
        _question_row(sheet, row, q, definition, values.get(q.code), before.get(q.code))
        if files.get(q.code):
            names = "\n".join(f"{f.original_name}({f.size_text})" for f in files[q.code])
            cell = sheet.cell(row=row, column=len(COLUMNS), value=names)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    _instructions(book.create_sheet("説明"), response)
    sheet.protection.sheet = True  # only the answer column can be edited
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _header(sheet, response: Response) -> None:
    sheet["A1"] = f"{response.round.title} {response.round.version}"
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = (
        f"回答する団体: {response.organization.name}(団体コード {response.organization.code})"
    )
    sheet["A3"] = (
        f"提出期限: {wareki(response.round.due_on)}。黄色の「回答」列だけを入力してください。"
    )
    for index, title in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=HEADER_ROW, column=index, value=title)
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
    for column, width in zip("ABCDEFGH", [10, 22, 60, 14, 26, 40, 26, 30], strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"


def _question_row(
    sheet, row: int, q: QuestionDef, definition: FrameworkDef, value, previous
) -> None:
    dimension = next(d.title for d in definition.all_dimensions() if d.code == q.dimension_code)
    cells = [
        q.code,
        dimension,
        q.text + ("" if q.required else "(任意)"),
        str(QuestionType(q.type).label),
        _cell_value(q, value),
        _rule_text(q),
        _cell_value(q, previous),
    ]
    for column, content in enumerate(cells, start=1):
        cell = sheet.cell(row=row, column=column, value=content)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    answer = sheet[f"{ANSWER_COLUMN}{row}"]
    answer.fill, answer.protection = INPUT_FILL, Protection(locked=False)
    validation = _validation(q)
    if validation is not None:
        sheet.add_data_validation(validation)
        validation.add(answer)


def _cell_value(q: QuestionDef, value):
    """The canonical value written the way people read and type it."""
    if value in answers.EMPTY:
        return None
    if q.type == QuestionType.YESNO:
        return "はい" if value == "yes" else "いいえ"
    labels = {c["value"]: c["label"] for c in q.choices}
    if q.type == QuestionType.SINGLE:
        return labels.get(value, value)
    if q.type == QuestionType.MULTIPLE:
        return "、".join(labels.get(v, v) for v in value)
    if q.type in (QuestionType.NUMBER, QuestionType.PERCENT):
        number = Decimal(value)
        return int(number) if number == number.to_integral_value() else float(number)
    if q.type == QuestionType.DATE:
        return datetime.date.fromisoformat(value)
    return value


def _rule_text(q: QuestionDef) -> str:
    if q.type == QuestionType.LEVEL:
        return "\n".join(f"{n}: {level['descriptor']}" for n, level in enumerate(q.levels))
    if q.type == QuestionType.YESNO:
        return "はい / いいえ"
    if q.type == QuestionType.SINGLE:
        return "次から1つ: " + "、".join(c["label"] for c in q.choices)
    if q.type == QuestionType.MULTIPLE:
        return "次から当てはまるものを「、」区切りで: " + "、".join(c["label"] for c in q.choices)
    if q.type in (QuestionType.NUMBER, QuestionType.PERCENT):
        bounds = [
            f"{q.min}以上" if q.min is not None else "",
            f"{q.max}以下" if q.max is not None else "",
        ]
        return f"数値({q.unit}) " + " ".join(b for b in bounds if b)
    if q.type == QuestionType.DATE:
        return "日付(2025-04-01、令和7年4月1日 など)"
    if q.type == QuestionType.EVIDENCE:
        return "資料のURL(https://…)。ファイルは回答画面で添付します(Excelでは添付できません)"
    return "自由記述"


def _validation(q: QuestionDef) -> DataValidation | None:
    listed = None
    if q.type == QuestionType.LEVEL:
        listed = "0,1,2,3,4"
    elif q.type == QuestionType.YESNO:
        listed = "はい,いいえ"
    elif q.type == QuestionType.SINGLE:
        listed = ",".join(c["label"] for c in q.choices)
    if (
        listed is not None
        and len(listed) <= 250
        and "," not in "".join(c["label"] for c in q.choices)
    ):
        return DataValidation(
            type="list",
            formula1=f'"{listed}"',
            allow_blank=True,
            error="一覧から選んでください。",
            showErrorMessage=True,
        )
    if (
        q.type in (QuestionType.NUMBER, QuestionType.PERCENT)
        and q.min is not None
        and q.max is not None
    ):
        return DataValidation(
            type="decimal",
            operator="between",
            formula1=str(q.min),
            formula2=str(q.max),
            allow_blank=True,
            showErrorMessage=True,
            error=f"{q.min}〜{q.max} の数値を入力してください。",
        )
    return None


def _instructions(sheet, response: Response) -> None:
    lines = [
        "この表の使い方",
        "1. 「回答」シートの黄色い「回答」列に入力します。ほかの列は変更できません。",
        "2. 成熟度は 0〜4 の数字、はい/いいえは一覧から選びます。複数選択は「、」で区切ります。",
        "3. 数字は全角でも、日付は 令和7年4月1日・R7.4.1・2025/4/1 のどれでもかまいません。",
        "4. 保存したファイルを、回答画面の「Excelで取り込む」から取り込みます。",
        "5. 誤りがあるときは行と理由をすべて表示し、何も保存しません。直して取り込み直します。",
        "6. 取り込んだ後、画面で内容を確認してから「提出する」を押してください。",
        "7. 根拠資料のファイルは回答画面で添付します。この表の「添付ファイル」列は参考表示で、"
        "取り込んでも添付ファイルは変わりません(削除もされません)。",
        "",
        f"調査: {response.round.title}",
    ]
    for row, line in enumerate(lines, start=1):
        sheet.cell(row=row, column=1, value=line)
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.column_dimensions["A"].width = 100


def import_upload(*, acting_user, response: Response, data: bytes, filename: str) -> dict:
    """Save every answer of the file, or nothing: errors name the Excel row of each question."""
    result = tabular.read_table(data, filename, READ_COLUMNS, sheet=SHEET)
    rows = {row["code"]: row["_row"] for row in result.rows}
    result.raise_if_errors()
    raw = {row["code"]: "" if row.get("answer") is None else row["answer"] for row in result.rows}
    try:
        return services.save_answers(acting_user=acting_user, response=response, raw=raw)
    except services.AnswerErrors as failed:
        raise tabular.TableImportError(
            [
                tabular.RowError(
                    rows.get(e.question, 0), "回答", str(raw.get(e.question) or ""), e.message
                )
                for e in failed.errors
            ]
        ) from failed


# --- one workbook for a whole round (the prefecture's bulk download and import) ---------------

BULK_SHEET = "回答一覧"
BULK_HEADER_ROW = 4


def round_workbook(round_, responses) -> bytes:
    """Every given response of the round: one row per municipality, one column per question."""
    definition = services.definition_for(responses[0]) if responses else None
    questions = definition.questions() if definition else []
    book = Workbook()
    sheet = book.active
    sheet.title = BULK_SHEET
    sheet["A1"] = f"{round_.title} {round_.version} 回答一覧"
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = "「団体コード」と設問コードの列を取り込みます。3行目は設問文(参考)です。"
    for column, q in enumerate(questions, start=4):
        sheet.cell(row=3, column=column, value=q.text).alignment = Alignment(wrap_text=True)
    headers = ["団体コード", "団体名", "状態", *[q.code for q in questions]]
    for column, title in enumerate(headers, start=1):
        cell = sheet.cell(row=BULK_HEADER_ROW, column=column, value=title)
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
    answered = _answers_by_response(responses)
    for row, response in enumerate(responses, start=BULK_HEADER_ROW + 1):
        values = answered.get(response.pk, {})
        cells = [
            response.organization.code,
            response.organization.name,
            response.get_status_display(),
        ]
        cells += [_cell_value(q, values.get(q.code)) for q in questions]
        for column, content in enumerate(cells, start=1):
            sheet.cell(row=row, column=column, value=content)
    sheet.freeze_panes = sheet.cell(row=BULK_HEADER_ROW + 1, column=4)
    if definition:
        _score_sheet(book.create_sheet("スコア"), definition, responses)
        _files_sheet(book.create_sheet(FILES_SHEET), responses)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _score_sheet(sheet, definition: FrameworkDef, responses) -> None:
    """Overall and dimension scores of every response (for analysis; not read back)."""
    from .models import DimensionScore

    dimensions = list(definition.all_dimensions())
    headers = [
        "団体コード",
        "団体名",
        "類似団体グループ",
        "状態",
        "総合",
        *[d.title for d in dimensions],
    ]
    for column, title in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=column, value=title)
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
    scores: dict = {}
    rows = DimensionScore.objects.filter(response__in=responses).values_list(
        "response_id", "dimension_code", "score"
    )
    for response_id, code, score in rows:
        scores.setdefault(response_id, {})[code] = score
    for row, response in enumerate(responses, start=2):
        org, own = response.organization, scores.get(response.pk, {})
        cells = [
            org.code,
            org.name,
            org.peer_group,
            response.get_status_display(),
            _number(response.overall_score),
            *[_number(own.get(d.code)) for d in dimensions],
        ]
        for column, content in enumerate(cells, start=1):
            sheet.cell(row=row, column=column, value=content)
    sheet.freeze_panes = "C2"


FILES_SHEET = "添付ファイル"


def _files_sheet(sheet, responses) -> None:
    """The evidence files of every response (a list for reference; not read back)."""
    headers = ["団体コード", "団体名", "設問コード", "ファイル名", "サイズ", "登録日時"]
    for column, title in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=column, value=title)
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
    by_pk = {r.pk: r for r in responses}
    files = EvidenceFile.objects.filter(response__in=responses).order_by(
        "response__organization__code", "question_code", "uploaded_at", "pk"
    )
    for row, item in enumerate(files, start=2):
        org = by_pk[item.response_id].organization
        cells = [
            org.code,
            org.name,
            item.question_code,
            item.original_name,
            item.size_text,
            _local(item.uploaded_at),
        ]
        for column, content in enumerate(cells, start=1):
            sheet.cell(row=row, column=column, value=content)
    for column, width in zip("ABCDEF", [10, 20, 10, 40, 12, 18], strict=True):
        sheet.column_dimensions[column].width = width


def _local(moment):
    from django.utils import timezone

    return timezone.localtime(moment).replace(tzinfo=None)


def _number(value):
    return None if value is None else float(value)


def _answers_by_response(responses) -> dict:
    from .models import Answer

    found: dict = {}
    rows = Answer.objects.filter(response__in=responses).values_list(
        "response_id", "question_code", "value"
    )
    for response_id, code, value in rows:
        found.setdefault(response_id, {})[code] = value
    return found


@bulksql.collector_paused()
def import_round_workbook(*, acting_user, round_, data: bytes, filename: str) -> int:
    """Answers for many municipalities at once (e.g. collected by e-mail): every row is checked
    first, against the responses as they are once locked; if any cell is wrong, nothing is
    saved and every problem is reported. Each value is read and checked once, then written by
    services.write_answers. Returns the number of responses changed."""
    services.refuse_unless_answerable(round_)
    definition = services.round_definition(round_)
    questions = definition.questions()
    columns = [tabular.Column("code", "団体コード", tabular.lgcode, required=True, unique=True)]
    columns += [tabular.Column(q.code, q.code, None) for q in questions]
    result = tabular.read_table(data, filename, columns, sheet=BULK_SHEET)
    with transaction.atomic():
        locked = services.lock_round_for_answers(round_)
        responses = {r.organization.code: r for r in locked.values()}
        stored = services.stored_answers(locked.values())
        attached = evidence.attached_codes_by_response(locked)
        errors, writes, memo = list(result.errors), [], {}
        for row in result.rows:
            response = responses.get(row["code"])
            raw = {q.code: row.get(q.code) for q in questions}
            problems, values = _row_problems(
                row, response, definition, raw, (stored, attached, memo)
            )
            errors += problems
            if values is not None:
                writes.append((response, values, {}))
        if errors:
            raise tabular.TableImportError(errors)
        services.write_answers(acting_user, writes, stored)
    return len(writes)


def _row_problems(row: dict, response, definition, raw: dict, known: tuple):
    """(problems, the values to write: every question's, or None when the row changes nothing).
    Unchanged rows of submitted or accepted responses pass, so a downloaded workbook imports
    back as it is. `known`: the stored answers and attached files of every response, and the
    import's memo of coerced cells."""
    stored, attached, memo = known
    where = row["_row"]
    if response is None:
        return [
            tabular.RowError(where, "団体コード", row["code"], "この調査の対象ではない団体です。")
        ], None
    values, problems = answers.coerce_all(
        definition, {k: v for k, v in raw.items() if v is not None}, memo
    )
    problems += answers.check(definition, values, submitting=False, attached=attached[response.pk])
    errors = [
        tabular.RowError(where, e.question, str(raw.get(e.question) or ""), e.message)
        for e in problems
    ]
    current = {
        code: answer.value
        for code, answer in stored[response.pk].items()
        if answer.value not in answers.EMPTY
    }
    if {k: v for k, v in values.items() if v not in answers.EMPTY} == current:
        return errors, None
    if response.status not in EDITABLE_STATUSES:
        message = "提出済み・受理の回答は変更できません。差し戻してから取り込んでください。"
        errors.append(tabular.RowError(where, "団体コード", row["code"], message))
    return errors, {code: values.get(code) for code in raw}
