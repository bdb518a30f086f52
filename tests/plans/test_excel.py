"""The Excel 工程表: layout, lossless round-trip, all-or-nothing import, CP932/全角/和暦."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from chiikidx.core import tabular
from chiikidx.core.models import AuditEntry
from chiikidx.core.services import ServiceError
from chiikidx.plans import excel, services
from chiikidx.plans.choices import PlanStatus
from chiikidx.plans.models import Measure, MeasureBudget, Plan

from .sample import admin_of, department, make_plan

pytestmark = pytest.mark.django_db

AOBA = "992011"


@pytest.fixture
def plan(org_coded):
    org = org_coded(AOBA)
    plan = make_plan(org, measures=2, owner=department(org, "福祉課"))
    user = admin_of(org)
    first, second = plan.measures.order_by("pk")
    services.save_measure(
        acting_user=user,
        plan=plan,
        measure=first,
        code="1-1",
        responsible="山田",
        start_date=datetime.date(2025, 5, 1),
        deadline=datetime.date(2026, 9, 30),
        deliverable="申請システム(オンライン)\n操作マニュアル",
        target_level="主要20手続をオンライン化",
        status="on_track",
        progress=30,
        weight="2.5",
        budgets={2025: (1_200_000, 1_100_000), 2026: (800_000, None)},
    )
    services.save_measure(acting_user=user, plan=plan, measure=second, start_date=None)
    return plan


def _sheet(body: bytes):
    return load_workbook(io.BytesIO(body))[excel.SHEET]


def _import(plan, body: bytes, name="koteihyo.xlsx"):
    return excel.import_upload(
        acting_user=admin_of(plan.organization), plan=plan, data=body, filename=name
    )


def test_workbook_layout_grid_and_print_settings(plan):
    sheet = _sheet(excel.workbook(plan))
    header = [c.value for c in sheet[excel.HEADER_ROW]]
    assert header[:13] == [
        "ID",
        "基本方針",
        "番号",
        "施策",
        "担当課",
        "担当者",
        "開始日",
        "期限",
        "何を(成果物)",
        "どの水準まで",
        "状態",
        "進捗%",
        "重み",
    ]
    assert header[13:15] == ["令和7年度 予算(円)", "令和7年度 決算(円)"]
    grid = 14 + 2 * 4
    assert sheet.cell(row=excel.GROUP_ROW, column=grid).value == "令和7年度"
    assert sheet.cell(row=excel.HEADER_ROW, column=grid).value.startswith("Q1")
    first = plan.measures.order_by("pk").first()
    row = next(r for r in range(5, 8) if sheet.cell(row=r, column=1).value == first.pk)
    marks = [sheet.cell(row=row, column=grid + i).value for i in range(16)]
    # 令和7年5月1日 (R7 Q1) … 令和8年9月30日 (R8 Q2): six quarters
    assert marks == ["■"] * 6 + [None] * 10
    assert sheet.cell(row=row, column=5).value == "福祉課"
    assert sheet.cell(row=row, column=11).value == "順調"
    assert sheet.column_dimensions["A"].hidden
    assert sheet.freeze_panes == "E5"
    assert sheet.page_setup.orientation == "landscape"
    assert str(sheet.page_setup.paperSize) == str(sheet.PAPERSIZE_A3)


def test_round_trip_changes_nothing(plan):
    body = excel.workbook(plan)
    before = AuditEntry.objects.count()
    done = _import(plan, body)
    assert (done.created, done.updated, done.unchanged) == (0, 0, 2)
    assert AuditEntry.objects.count() == before


def test_csv_export_round_trip_changes_nothing(plan):
    rows = [excel.row_of(m) for m in excel._measures(plan)]
    body = tabular.write_csv(excel.columns(plan), rows)
    before = AuditEntry.objects.count()
    done = _import(plan, body, "koteihyo.csv")
    assert done.unchanged == 2 and AuditEntry.objects.count() == before


def test_edited_rows_update_and_rows_without_id_create(plan):
    book = load_workbook(io.BytesIO(excel.workbook(plan)))
    sheet = book[excel.SHEET]
    sheet.cell(row=5, column=8).value = "令和8年12月28日"  # the first row's deadline
    sheet.cell(row=5, column=14).value = "１,５００,０００"
    new = [None, "1 行政手続のDX", "1-3", "窓口のキャッシュレス化", "福祉課", "佐藤"]
    new += ["R7.10.1", "2026/3/31", "決済端末", "全窓口", "未着手", 0, 1, 300000]
    for c, value in enumerate(new, start=1):
        sheet.cell(row=7, column=c).value = value
    out = io.BytesIO()
    book.save(out)
    done = _import(plan, out.getvalue())
    assert (done.created, done.updated, done.unchanged) == (1, 1, 1)
    first = Measure.objects.get(pk=sheet.cell(row=5, column=1).value)
    assert first.deadline == datetime.date(2026, 12, 28)
    assert first.budgets.get(fiscal_year=2025).planned_yen == 1_500_000
    assert first.budgets.get(fiscal_year=2025).actual_yen == 1_100_000  # not touched
    created = Measure.objects.get(plan=plan, title="窓口のキャッシュレス化")
    assert created.start_date == datetime.date(2025, 10, 1)
    assert created.budgets.get().planned_yen == 300_000


def test_bad_rows_are_all_reported_and_nothing_is_saved(plan, org_coded):
    other = make_plan(org_coded("993018"), measures=1)
    book = load_workbook(io.BytesIO(excel.workbook(plan)))
    sheet = book[excel.SHEET]
    sheet.cell(row=5, column=3).value = "変更した番号"  # a valid change that must not be saved
    sheet.cell(row=5, column=12).value = 150  # progress
    sheet.cell(row=6, column=5).value = "存在しない課"
    sheet.cell(row=6, column=11).value = "たぶん順調"
    bad = [other.measures.first().pk, "1 行政手続のDX", "", "別の団体の施策", "福祉課"]
    bad += [None, "令和7年13月1日", "2026/3/31", None, None, None, None, None, "-5"]
    for c, value in enumerate(bad, start=1):
        sheet.cell(row=7, column=c).value = value
    out = io.BytesIO()
    book.save(out)
    before = (AuditEntry.objects.count(), Measure.objects.count(), MeasureBudget.objects.count())
    with pytest.raises(tabular.TableImportError) as failed:
        _import(plan, out.getvalue())
    reported = {(e.row, e.column) for e in failed.value.errors}
    assert {(5, "進捗%"), (6, "状態"), (7, "開始日"), (7, "令和7年度 予算(円)")} <= reported
    assert all("行目" in str(e) for e in failed.value.errors)
    after = (AuditEntry.objects.count(), Measure.objects.count(), MeasureBudget.objects.count())
    assert after == before
    assert not Measure.objects.filter(code="変更した番号").exists()
    # the second pass (rows whose cells parse) names unknown departments and foreign IDs
    sheet.cell(row=5, column=12).value = 50
    sheet.cell(row=6, column=11).value = "順調"
    sheet.cell(row=7, column=7).value = None
    sheet.cell(row=7, column=14).value = None
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(tabular.TableImportError) as failed:
        _import(plan, out.getvalue())
    assert {(e.row, e.column) for e in failed.value.errors} == {(6, "担当課"), (7, "ID")}
    assert AuditEntry.objects.count() == before[0]


def test_cp932_csv_with_zenkaku_numbers_and_wareki_dates(plan):
    lines = [
        "基本方針,施策,担当課,担当者,開始日,期限,何を(成果物),どの水準まで,状態,進捗%,"
        "令和7年度 予算(円)",
        "1 行政手続のDX,電子契約の導入,福祉課,鈴木,令和７年７月１日,Ｒ8.3.31,電子契約システム,"
        '全契約の５割,順調,２０,"１,２３４,０００"',
        "行政手続のDX,ＡＩ議事録,福祉課,,2025/4/1,令和8年3月31日,議事録,全会議,未着手,０,",
    ]
    body = "\r\n".join(lines).encode("cp932")
    done = _import(plan, body, "工程表.csv")
    assert done.created == 2
    contract = Measure.objects.get(plan=plan, title="電子契約の導入")
    assert contract.start_date == datetime.date(2025, 7, 1)
    assert contract.deadline == datetime.date(2026, 3, 31)
    assert contract.progress == 20 and contract.status == "on_track"
    assert contract.budgets.get(fiscal_year=2025).planned_yen == 1_234_000
    assert Measure.objects.get(plan=plan, title="AI議事録").responsible == ""


def test_only_draft_or_revising_plans_are_imported(plan):
    body = excel.workbook(plan)
    Plan.objects.filter(pk=plan.pk).update(status=PlanStatus.GIKAI)
    plan.refresh_from_db()
    with pytest.raises(ServiceError, match="下書き"):
        _import(plan, body)


def test_executives_export_but_only_changers_import(plan, user_named):
    body = excel.workbook(plan)
    export = reverse("plans:excel", args=[AOBA, plan.pk])
    upload = reverse("plans:excel_upload", args=[AOBA, plan.pk])
    for username in ("executive-1", "dept-staff-1"):
        client = Client()
        client.force_login(user_named(username))
        response = client.get(export)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
        file = SimpleUploadedFile("k.xlsx", body)
        assert client.post(upload, {"file": file}).status_code == 403
    client = Client()
    client.force_login(user_named("muni-staff-1"))
    response = client.post(upload, {"file": SimpleUploadedFile("k.xlsx", body)})
    assert response.status_code == 302


def test_upload_page_lists_every_problem(plan, user_named):
    body = "基本方針,施策,担当課,進捗%\r\n1 行政手続のDX,A,福祉課,101\r\nなし,B,福祉課,1\r\n"
    client = Client()
    client.force_login(user_named("muni-admin-1"))
    response = client.post(
        reverse("plans:excel_upload", args=[AOBA, plan.pk]),
        {"file": SimpleUploadedFile("k.csv", body.encode("cp932"))},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "2行目" in page and "何も保存していません" in page
