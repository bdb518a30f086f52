"""Actuals from CSV and Excel: the template round trip, 和暦/全角/CP932, every bad row, nothing
half-saved."""

import datetime
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from chiikidx.core import tabular
from chiikidx.monitoring import excel, services
from chiikidx.monitoring.models import KpiActual
from chiikidx.monitoring.periods import period_of

from .sample import department, make_kpi, user

pytestmark = pytest.mark.django_db

AOBA = "992011"


@pytest.fixture
def kpis(org_coded):
    org = org_coded(AOBA)
    monthly = make_kpi(org, code="K-01")
    rate = make_kpi(
        org,
        code="K-02",
        name="オンライン利用率",
        kind="percentage",
        frequency="quarterly",
        baseline_value=Decimal(10),
        targets=[services.TargetInput(datetime.date(2026, 3, 31), Decimal(30), 2025)],
    )
    done = make_kpi(
        org, code="K-03", name="移行の完了", kind="milestone", frequency="quarterly", targets=[]
    )
    total = make_kpi(org, code="K-04", name="相談の延べ人数", kind="count_cumulative")
    return {"monthly": monthly, "rate": rate, "done": done, "total": total}


def upload(csv_text: str, encoding="cp932", name="actuals.csv", username="muni-staff-1"):
    return excel.import_upload(
        acting_user=user(username),
        organization=user(username).memberships.first().organization,
        data=csv_text.encode(encoding),
        filename=name,
    )


def test_cp932_csv_with_wareki_periods_and_zenkaku_numbers(kpis):
    text = (
        "KPI番号,KPI名,期間,実績値,コメント\r\nK-01,,令和7年4月,１,２３４,窓口の集計\r\n".replace(
            "１,２３４", '"１,２３４"'
        )
        + "K-01,,R7.5,1300,\r\n"
        + ",オンライン利用率,令和7年度 Q1,18.5%,\r\n"
        + "K-03,,2025/6/30,いいえ,移行の検証中\r\n"
        + "K-04,,令和７年４月,40,\r\n"
        + "K-04,,2025-05,55,\r\n"
    )
    counts = upload(text)
    assert counts == {"created": 6, "corrected": 0, "unchanged": 0}
    april = KpiActual.objects.get(kpi=kpis["monthly"], period_start=datetime.date(2025, 4, 1))
    assert (april.value, april.comment, april.source, april.version) == (
        1234,
        "窓口の集計",
        "import",
        1,
    )
    assert KpiActual.objects.get(kpi=kpis["rate"]).value == Decimal("18.5")
    assert KpiActual.objects.get(kpi=kpis["done"]).value == 0
    # The same file again changes nothing; a changed value corrects (a new version)
    assert upload(text)["unchanged"] == 6
    counts = upload("KPI番号,期間,実績値\r\nK-01,令和7年4月,1240\r\n")
    assert counts == {"created": 0, "corrected": 1, "unchanged": 0}
    assert (
        KpiActual.objects.filter(kpi=kpis["monthly"], period_start=april.period_start).count() == 2
    )


def test_every_bad_row_is_reported_and_nothing_is_saved(kpis, org_coded):
    org = org_coded(AOBA)
    services.lock_period(
        acting_user=user("muni-admin-1"),
        organization=org,
        period=period_of("quarterly", datetime.date(2025, 7, 1)),
    )
    services.record_actual(
        acting_user=user("muni-staff-1"),
        kpi=kpis["total"],
        period=period_of("monthly", datetime.date(2025, 4, 1)),
        value=Decimal(100),
    )
    text = (
        "KPI ID,KPI番号,期間,実績値\r\n"
        f"{kpis['monthly'].pk},,令和7年4月,120\r\n"  # fine, but the file has errors
        "99999,,令和7年4月,1\r\n"  # row 3: unknown ID
        ",K-09,令和7年4月,1\r\n"  # row 4: unknown 番号
        ",K-01,令和7年度 Q1,1\r\n"  # row 5: a quarter for a monthly KPI
        ",K-01,令和7年4月,12.5\r\n"  # row 6: the same KPI and month as row 2
        ",K-02,令和7年度 Q1,120%\r\n"  # row 7: a percentage over 100
        ",K-03,令和7年度 Q1,たぶん\r\n"  # row 8: not yes/no
        ",K-01,令和7年7月,5\r\n"  # row 9: locked (令和7年度 Q2)
        ",K-04,令和7年5月,90\r\n"  # row 10: cumulative below April's 100
        ",K-01,令和99年1月,5\r\n"  # row 11: a period that has not started
    )
    with pytest.raises(tabular.TableImportError) as failed:
        upload(text)
    lines = tabular.problem_lines(failed.value)
    joined = "\n".join(lines)
    assert "3行目「KPI ID」列: 値「99999」— この団体のKPIのIDではありません" in joined
    assert "4行目「KPI番号」列: 値「K-09」— この団体にないKPIです" in joined
    assert "5行目「期間」列" in joined and "このKPIは月ごとに入力します" in joined
    assert "6行目「期間」列" in joined and "2行目と同じKPI・期間です" in joined
    assert "7行目「実績値」列" in joined and "割合は0〜100の範囲" in joined
    assert "8行目「実績値」列" in joined and "「はい」か「いいえ」で入力してください" in joined
    assert "9行目「実績値」列" in joined and "締められているため" in joined
    assert "10行目「実績値」列" in joined and "累計の件数が前の期間の値(100)より小さく" in joined
    assert "11行目「実績値」列" in joined and "令和99年1月 はまだ始まっていない期間です" in joined
    assert len(lines) == 9
    assert not KpiActual.objects.filter(kpi=kpis["monthly"]).exists()
    # An earlier period above a later stored one is caught too
    services.record_actual(
        acting_user=user("muni-staff-1"),
        kpi=kpis["total"],
        period=period_of("monthly", datetime.date(2025, 6, 1)),
        value=Decimal(120),
    )
    with pytest.raises(
        tabular.TableImportError,
        match="2行目「実績値」列: 値「130」— 累計の件数が次の期間の値\\(120\\)より大きく",
    ):
        upload("KPI番号,期間,実績値\r\nK-04,令和7年5月,130\r\n")
    assert not KpiActual.objects.filter(kpi=kpis["monthly"]).exists()


def test_a_user_imports_only_kpis_they_may_enter(kpis, org_coded):
    org = org_coded(AOBA)
    taxes = make_kpi(
        org, code="T-01", name="税務課のKPI", owner_department=department(org, "税務課")
    )
    text = "KPI番号,期間,実績値\r\nK-01,令和7年4月,1\r\nT-01,令和7年4月,1\r\n"
    with pytest.raises(tabular.TableImportError) as failed:
        excel.import_upload(
            acting_user=user("dept-staff-1"), organization=org, data=text.encode(), filename="a.csv"
        )
    assert "3行目「KPI名」列: 値「税務課のKPI」— このKPIの実績を入力する権限がありません" in str(
        failed.value
    )
    assert not KpiActual.objects.filter(kpi=taxes).exists()


def test_missing_columns_and_empty_files(kpis):
    with pytest.raises(tabular.TableImportError, match="必須の列 「期間」 が見つかりません"):
        upload("KPI番号,実績値\r\nK-01,1\r\n")
    with pytest.raises(tabular.TableImportError, match="必須の列「実績値」が見つかりません"):
        upload("KPI番号,期間\r\nK-01,令和7年4月\r\n")
    with pytest.raises(tabular.TableFileError, match="取り込む行がありません"):
        upload("KPI番号,期間,実績値\r\nK-01,令和7年4月,\r\n")


def test_template_round_trip_through_the_pages(kpis):
    client = Client()
    client.force_login(user("muni-staff-1"))
    url = reverse("monitoring:import_template", args=[AOBA])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="kpi-actuals-{AOBA}.xlsx"'
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.active
    header = [c.value for c in sheet[2]]
    assert header[:8] == [
        "KPI ID",
        "KPI番号",
        "KPI名",
        "単位",
        "入力の頻度",
        "期間",
        "実績値",
        "コメント",
    ]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    monthly = [r for r in rows if r[1] == "K-01"]
    assert monthly[0][5] == "令和7年4月" and monthly[0][3] == "件"
    assert len(monthly) >= 12  # every month since 令和7年4月 has ended unentered
    # Fill two rows, leave the rest blank, and import the workbook
    for row in sheet.iter_rows(min_row=3):
        if row[1].value == "K-01" and row[5].value in ("令和7年4月", "令和7年5月"):
            row[6].value = 150 if row[5].value == "令和7年4月" else 160
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.name = "filled.xlsx"
    buffer.seek(0)
    posted = client.post(reverse("monitoring:import", args=[AOBA]), {"file": buffer})
    assert posted.status_code == 302
    assert sorted(
        KpiActual.objects.filter(kpi=kpis["monthly"]).values_list("value", flat=True)
    ) == [
        150,
        160,
    ]
    csv = client.get(url + "?format=csv")
    assert csv["Content-Type"] == "text/csv; charset=utf-8"
    assert csv.content.startswith(b"\xef\xbb\xbfKPI ID,KPI")
    assert "令和7年6月" in csv.content.decode("utf-8-sig")
    assert "令和7年4月" not in csv.content.decode("utf-8-sig").split("K-02")[0]


def test_import_page_shows_every_problem(kpis):
    client = Client()
    client.force_login(user("muni-staff-1"))
    data = io.BytesIO(
        "KPI番号,期間,実績値\r\nK-01,令和7年13月,1\r\nK-09,令和7年4月,2\r\n".encode("cp932")
    )
    data.name = "bad.csv"
    response = client.post(reverse("monitoring:import", args=[AOBA]), {"file": data})
    assert response.status_code == 400
    page = response.content.decode()
    assert "ファイルに 2 件の誤りがあります。何も保存していません。" in page
    assert "2行目「期間」列" in page and "3行目「KPI番号」列" in page
    assert client.post(reverse("monitoring:import", args=[AOBA]), {}).status_code == 400
