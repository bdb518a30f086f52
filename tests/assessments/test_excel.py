"""The response template round-trips through Excel; uploads are checked cell by cell."""

import io

import pytest
from openpyxl import load_workbook

from chiikidx.assessments import excel, services
from chiikidx.assessments.models import Answer, Response
from chiikidx.core import tabular

from .conftest import FULL_ANSWERS

pytestmark = pytest.mark.django_db


@pytest.fixture
def aoba(sample_round):
    return Response.objects.get(round=sample_round, organization__code="992011")


def _fill(data: bytes, answers: dict) -> bytes:
    book = load_workbook(io.BytesIO(data))
    sheet = book[excel.SHEET]
    for row in sheet.iter_rows(min_row=excel.HEADER_ROW + 1):
        if row[0].value in answers:
            row[4].value = answers[row[0].value]
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_template_is_prefilled_with_dropdowns_and_locked_except_answers(aoba, user_named):
    services.save_answers(acting_user=user_named("muni-staff-1"), response=aoba, raw=FULL_ANSWERS)
    book = load_workbook(io.BytesIO(excel.template(aoba)))
    sheet = book[excel.SHEET]
    rows = {r[0].value: r for r in sheet.iter_rows(min_row=excel.HEADER_ROW + 1)}
    assert rows["S1"][4].value == "一部" and rows["Y1"][4].value == "いいえ"
    assert rows["M1"][4].value == "書かない窓口、キャッシュレス" and rows["L1"][4].value == 3
    formulas = {v.formula1 for v in sheet.data_validations.dataValidation}
    assert (
        '"0,1,2,3,4"' in formulas and '"はい,いいえ"' in formulas and '"なし,一部,全部"' in formulas
    )
    assert (
        sheet.protection.sheet
        and not rows["L1"][4].protection.locked
        and rows["L1"][2].protection.locked
    )
    assert "説明" in book.sheetnames


def test_round_trip_is_lossless(aoba, user_named):
    staff = user_named("muni-staff-1")
    raw = FULL_ANSWERS | {"Y1": "はい", "D1": "2025-04-01"}
    services.save_answers(acting_user=staff, response=aoba, raw=raw)
    before = services.answer_values(aoba)
    excel.import_upload(
        acting_user=staff, response=aoba, data=excel.template(aoba), filename="a.xlsx"
    )
    assert services.answer_values(aoba) == before


def test_fullwidth_wareki_and_labels_are_read(aoba, user_named):
    filled = _fill(
        excel.template(aoba),
        {
            "L1": "３",
            "Y1": "はい",
            "S1": "全部",
            "M1": "オンライン予約",
            "P1": "４５．５",
            "N1": "１０",
            "D1": "令和7年4月1日",
        },
    )
    excel.import_upload(
        acting_user=user_named("muni-staff-1"), response=aoba, data=filled, filename="a.xlsx"
    )
    values = services.answer_values(aoba)
    assert values == {
        "L1": 3,
        "Y1": "yes",
        "S1": "all",
        "M1": ["y"],
        "P1": "45.5",
        "N1": "10",
        "D1": "2025-04-01",
    }


def test_a_cell_formatted_as_percent_reads_as_shown(aoba, user_named):
    """Typing 45.5% in Excel stores 0.455 with a % format: the answer is 45.5, not 0.455."""
    book = load_workbook(io.BytesIO(excel.template(aoba)))
    sheet = book[excel.SHEET]
    for row in sheet.iter_rows(min_row=excel.HEADER_ROW + 1):
        if row[0].value == "P1":
            row[4].value, row[4].number_format = 0.455, "0.0%"
    out = io.BytesIO()
    book.save(out)
    excel.import_upload(
        acting_user=user_named("muni-staff-1"),
        response=aoba,
        data=out.getvalue(),
        filename="a.xlsx",
    )
    assert services.answer_values(aoba)["P1"] == "45.5"


def test_every_bad_cell_is_reported_with_its_row_and_nothing_is_saved(aoba, user_named):
    filled = _fill(excel.template(aoba), {"L1": "7", "S1": "たぶん", "N1": "999"})
    with pytest.raises(tabular.TableImportError) as failure:
        excel.import_upload(
            acting_user=user_named("muni-staff-1"), response=aoba, data=filled, filename="a.xlsx"
        )
    text = "\n".join(str(e) for e in failure.value.errors)
    first = excel.HEADER_ROW + 1
    assert f"{first}行目「回答」列: 値「7」" in text  # L1 is the first question
    assert "選択肢にありません" in text and "240分以下" in text
    assert not Answer.objects.filter(response=aoba).exists()


def test_upload_page_shows_errors_and_download_works(client, aoba, user_named):
    client.force_login(user_named("muni-staff-1"))
    url = f"/o/992011/assessments/responses/{aoba.pk}/excel/"
    download = client.get(url)
    assert download.status_code == 200 and download["Content-Type"].startswith(
        "application/vnd.openxml"
    )
    bad = _fill(download.content, {"L1": "9"})
    page = client.post(url + "upload/", {"file": io.BytesIO(bad)}, format="multipart")
    assert page.status_code == 400 and "何も保存していません" in page.content.decode()


def test_csv_in_cp932_is_accepted_too(aoba, user_named):
    text = "設問コード,回答\r\nL1,２\r\nY1,○\r\nP1,６０\r\n"
    excel.import_upload(
        acting_user=user_named("muni-staff-1"),
        response=aoba,
        data=text.encode("cp932"),
        filename="kaitou.csv",
    )
    assert services.answer_values(aoba) == {"L1": 2, "Y1": "yes", "P1": "60"}


def _submit(round_, code, overrides, user):
    response = Response.objects.get(round=round_, organization__code=code)
    services.save_answers(acting_user=user, response=response, raw=FULL_ANSWERS | overrides)
    return response


def test_round_workbook_round_trips_and_imports_many_at_once(sample_round, user_named):
    root = user_named("root")
    aoba = _submit(sample_round, "992011", {}, root)
    services.submit(acting_user=root, response=aoba)
    _submit(sample_round, "993018", {"L1": "1"}, root)
    responses = list(
        sample_round.responses.select_related("organization").order_by("organization__code")
    )
    data = excel.round_workbook(sample_round, responses)
    before = {r.pk: services.answer_values(r) for r in responses}
    assert (
        excel.import_round_workbook(
            acting_user=root, round_=sample_round, data=data, filename="r.xlsx"
        )
        == 0
    )  # nothing changed
    assert {r.pk: services.answer_values(r) for r in responses} == before
    book = load_workbook(io.BytesIO(data))
    score_rows = {r[0].value: r for r in book["スコア"].iter_rows(min_row=2)}
    assert score_rows["992011"][4].value == 67.5  # overall of the submitted response
    sheet = book[excel.BULK_SHEET]
    header = [c.value for c in sheet[excel.BULK_HEADER_ROW]]
    for row in sheet.iter_rows(min_row=excel.BULK_HEADER_ROW + 1):
        if row[0].value == "993026":  # こもれび町 answered by e-mail
            for code, value in {"L1": "４", "Y1": "○", "S1": "全部", "P1": "50", "N1": "5"}.items():
                row[header.index(code)].value = value
    out = io.BytesIO()
    book.save(out)
    count = excel.import_round_workbook(
        acting_user=root, round_=sample_round, data=out.getvalue(), filename="r.xlsx"
    )
    komorebi = Response.objects.get(round=sample_round, organization__code="993026")
    assert count == 1 and services.answer_values(komorebi)["L1"] == 4


def test_round_workbook_refuses_changes_to_submitted_rows_and_bad_cells(sample_round, user_named):
    root = user_named("root")
    aoba = _submit(sample_round, "992011", {}, root)
    services.submit(acting_user=root, response=aoba)
    responses = list(
        sample_round.responses.select_related("organization").order_by("organization__code")
    )
    book = load_workbook(io.BytesIO(excel.round_workbook(sample_round, responses)))
    sheet = book[excel.BULK_SHEET]
    header = [c.value for c in sheet[excel.BULK_HEADER_ROW]]
    for row in sheet.iter_rows(min_row=excel.BULK_HEADER_ROW + 1):
        if row[0].value == "992011":
            row[header.index("L1")].value = 1
        if row[0].value == "993026":
            row[header.index("N1")].value = "たくさん"
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(tabular.TableImportError) as failure:
        excel.import_round_workbook(
            acting_user=root, round_=sample_round, data=out.getvalue(), filename="r.xlsx"
        )
    text = "\n".join(str(e) for e in failure.value.errors)
    assert "提出済み・受理の回答は変更できません" in text and "「N1」列" in text
    assert Answer.objects.filter(response__organization__code="993026").count() == 0


def _bulk_edit(round_, changes: dict) -> bytes:
    """The round workbook with `changes` ({団体コード: {設問コード: value}}) typed in."""
    responses = list(round_.responses.select_related("organization").order_by("organization__code"))
    book = load_workbook(io.BytesIO(excel.round_workbook(round_, responses)))
    sheet = book[excel.BULK_SHEET]
    header = [c.value for c in sheet[excel.BULK_HEADER_ROW]]
    for row in sheet.iter_rows(min_row=excel.BULK_HEADER_ROW + 1):
        for code, value in changes.get(row[0].value, {}).items():
            row[header.index(code)].value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_bulk_import_writes_all_rows_together_and_audits_each_answer(sample_round, user_named):
    """The query count does not grow with the number of municipalities imported, and every
    answer written (new or changed) has its own audit entry with before and after."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from chiikidx.core.models import AuditEntry

    root = user_named("root")
    _submit(sample_round, "992011", {}, root)  # a draft with answers: the import changes one
    codes = list(
        sample_round.responses.exclude(organization__code="992011")
        .order_by("organization__code")
        .values_list("organization__code", flat=True)
    )
    assert len(codes) >= 3
    one = _bulk_edit(sample_round, {"992011": {"L1": 4}, codes[0]: {"L1": 3}})
    with CaptureQueriesContext(connection) as single:
        assert (
            excel.import_round_workbook(
                acting_user=root, round_=sample_round, data=one, filename="r.xlsx"
            )
            == 2
        )
    many = _bulk_edit(
        sample_round,
        {"992011": {"L1": 1}} | {code: {"L1": 2, "N1": 7} for code in codes},
    )
    last_seq = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    with CaptureQueriesContext(connection) as several:
        assert excel.import_round_workbook(
            acting_user=root, round_=sample_round, data=many, filename="r.xlsx"
        ) == 1 + len(codes)
    assert len(several.captured_queries) == len(single.captured_queries)
    entries = list(AuditEntry.objects.filter(seq__gt=last_seq, model_label="assessments.Answer"))
    assert len(entries) == 2 + 2 * len(codes) - 1  # codes[0] had L1 already: changed, not new
    changed = {e.before["value"]: e.after["value"] for e in entries if e.action == "update"}
    assert changed == {4: 1, 3: 2}
    assert all(e.actor_id == root.pk and e.organization_id for e in entries)
    assert (
        Answer.objects.filter(response__round=sample_round, question_code="N1").count()
        == len(codes) + 1
    )


def test_new_answers_are_audited_as_an_orm_create_audits_an_answer(sample_round, user_named):
    """services.write_answers writes new answers without model instances (core.bulksql) and
    audits them with audit.record_created: each entry is the one an ORM create of the same
    answer records (the answer as stored, its str(), its response's organization)."""
    from chiikidx.core import audit
    from chiikidx.core.models import AuditEntry

    staff = user_named("muni-staff-1")
    aoba = Response.objects.get(round=sample_round, organization__code="992011")
    last_seq = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    services.save_answers(
        acting_user=staff, response=aoba, raw=FULL_ANSWERS | {"Y1": "はい", "D1": "2025-04-01"}
    )
    entries = list(AuditEntry.objects.filter(seq__gt=last_seq, model_label="assessments.Answer"))
    stored = {str(a.pk): a for a in Answer.objects.filter(response=aoba)}
    assert sorted(e.object_id for e in entries) == sorted(stored) and len(stored) == 7
    for entry in entries:
        answer = stored[entry.object_id]
        assert (entry.action, entry.before, entry.after) == ("create", None, audit.snapshot(answer))
        assert (entry.object_repr, entry.organization_id, entry.actor_id) == (
            str(answer),
            aoba.organization_id,
            staff.pk,
        )
    with audit.acting_as(staff):
        by_orm = Answer.objects.create(response=aoba, question_code="ORM", value=["x"])
    entry = AuditEntry.objects.get(model_label="assessments.Answer", object_id=str(by_orm.pk))
    assert set(entry.after) == set(entries[0].after)
    assert audit.verify_chain().intact
