"""Cost-effectiveness pages: the worked example on the case page (with its formula and realised
counts), the form with what people type, 404 across organizations, the Excel export, the
panels on the plans' pages, and pinned query counts."""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from chiikidx.core.japanese import fiscal_year
from chiikidx.core.models import AuditEntry
from chiikidx.monitoring.models import CostAdoption, CostCase, KpiActual
from chiikidx.monitoring.periods import period_of

from ..plans.sample import make_plan, sample_measure
from .cost_sample import EXAMPLE_ADOPTION, make_case
from .sample import make_kpi, user
from .test_pages import client_of

pytestmark = pytest.mark.django_db

AOBA, WAKABA = "992011", "993018"
D = Decimal


def _monthly_kpi(org):
    """Online applications counted per month: 150 a month in 令和7年度, 200 in 4〜6月 of 令和8年度
    (the realised example of test_costs)."""
    kpi = make_kpi(org, name="住民票のオンライン申請件数", baseline_date=datetime.date(2025, 3, 31))
    months = [datetime.date(2025, m, 1) for m in range(4, 13)]
    months += [datetime.date(2026, m, 1) for m in (1, 2, 3)]
    values = [(d, 150) for d in months] + [(datetime.date(2026, m, 1), 200) for m in (4, 5, 6)]
    KpiActual.objects.bulk_create(
        KpiActual(
            kpi=kpi,
            period_start=period_of("monthly", d).start,
            period_end=period_of("monthly", d).end,
            value=D(v),
        )
        for d, v in values
    )
    return kpi


@pytest.fixture
def case(org_coded):
    """The worked example of test_costs (令和7〜9年度) with the monthly KPI's actuals."""
    org = org_coded(AOBA)
    return make_case(
        org, first_fy=2025, last_fy=2027, adoption=EXAMPLE_ADOPTION[:3], kpi=_monthly_kpi(org)
    )


def test_the_case_page_shows_the_worked_example(case):
    page = client_of("executive-1").get(reverse("monitoring:cost", args=[AOBA, case.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    # NPV 13,864,399.09円 (low 3,954,875.28, high 23,773,922.90); payback 令和8年度 (9, 7).
    assert '<strong class="cost-figure">13,864</strong>千円' in text
    assert "低位 3,955千円 〜 高位 23,774千円" in text
    assert '<strong class="cost-figure">令和8年度</strong>' in text
    assert "低位 令和9年度 ・ 高位 令和7年度" in text
    assert "期間内に回収できない" in text  # the administration alone (−1,400千円)
    assert "11,000.0時間" in text and "16,500千円" in text and "2,200.0時間" in text
    # The formula with every variable's value, and the first 年度 worked through.
    for part in [
        "年間の手続件数 10,000件/年",
        "移動(往復)30分 + 待ち 20分 + 記入 10分 = 60分/件",
        "住民の時間価値 1,200円/時",
        "交通費(往復)250円 + 郵送料 50円",
        "職員の作業時間の削減 12分/件",
        "職員の人件費 3,000円/時",
        "初期費用 5,000,000円",
        "運用費 1,000,000円/年",
        "割引率 5%/年",
        "M = 10,000 × 20% = 2,000件",
        "B = 2,000.0 × 1,200 + 2,000 × 300 = 3,000,000円",
        "E = 1,000,000 + 5,000,000 = 6,000,000円",
        "NB = 3,000,000 + 1,200,000 − 6,000,000 = -1,800,000円",
        "t は最初の年度(令和7年度)を0として数えます",
        "1,121円/時)は、令和7年度の地域別最低賃金の全国加重平均額(厚生労働省)",
    ]:
        assert part in text, part
    # Realised: 1,800 (通年, 200 short of 2,000: −10%) and 600 in 4〜6月 (400 short of 1,000).
    assert "+-" not in text
    assert "-200(-10%)" in text and "-400(-40%)" in text
    assert "18.0%" in text and "24.0%" in text
    state = "途中(4〜6月)" if fiscal_year(timezone.localdate()) == 2026 else "一部の月のみ(4〜6月)"
    assert state in text
    assert "-2,220" in text and "1,010" in text  # net benefit of each realised 年度 (千円)
    assert (
        'data-chart="cost"' in text and 'id="cost-data"' in text and "vendor/plotly.min.js" in text
    )
    assert "試算を編集" not in text and "この試算を削除" not in text  # an executive reads only
    staff = client_of("muni-staff-1").get(reverse("monitoring:cost", args=[AOBA, case.pk]))
    assert "試算を編集" in staff.content.decode()
    assert "unsafe-inline" in staff["Content-Security-Policy"]  # Plotly's styles


def test_another_organizations_case_is_404(case):
    client = client_of("muni-admin-2")
    for name in ("monitoring:cost", "monitoring:cost_edit", "monitoring:cost_excel"):
        assert client.get(reverse(name, args=[WAKABA, case.pk])).status_code == 404
    response = client.post(reverse("monitoring:cost_delete", args=[WAKABA, case.pk]))
    assert response.status_code == 404 and CostCase.objects.filter(pk=case.pk).exists()


def _form_data(measure, **changes):
    data = {
        "measure": measure.pk,
        "kind": "one_stop",
        "procedure": "子育て手続のワンストップ窓口",
        "first_fy": "",
        "last_fy": "",
        "kpi": "",
        "note": "件数は令和6年度の窓口統計",
        "annual_procedures": "１２,０００",
        "travel_minutes": "30",
        "waiting_minutes": "20",
        "filling_minutes": "",
        "travel_cost": "300",
        "postage": "",
        "time_value": "1,121",
        "staff_minutes": "15",
        "staff_hourly_cost": "３５００",
        "initial_cost": "12,000,000",
        "running_cost": "1,500,000",
        "discount_rate": "4",
    }
    for i, (fy, low, base, high) in enumerate(
        [
            ("令和7年度", 5, 10, 15),
            ("R8", 10, 20, 30),
            ("2027", 20, 30, 40),
            ("2028年度", 25, 35, 45),
        ]
    ):
        data |= {
            f"adoption_fy_{i}": fy,
            f"adoption_low_{i}": str(low),
            f"adoption_base_{i}": str(base),
            f"adoption_high_{i}": str(high),
        }
    return data | changes


def test_create_edit_and_delete_from_the_pages(org_coded):
    org = org_coded(AOBA)
    measure = sample_measure(org)
    client = client_of("muni-staff-1")
    new = reverse("monitoring:cost_new", args=[AOBA])
    form = client.get(new + f"?measure={measure.pk}").content.decode()
    assert f'<option value="{measure.pk}" selected>' in form
    assert 'value="令和7年度"' in form and 'value="令和10年度"' in form  # the plan's 年度
    assert 'value="1121"' in form and 'value="4"' in form  # the documented defaults
    assert "令和7年度 地域別最低賃金の全国加重平均額" in form and "年間の勤務時間" in form
    response = client.post(new, _form_data(measure))
    case = CostCase.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/costs/{case.pk}/")
    assert (case.kind, case.annual_procedures, case.staff_hourly_cost) == ("one_stop", 12000, 3500)
    assert (case.filling_minutes, case.postage, case.first_fy) == (0, 0, None)  # blanks
    assert list(CostAdoption.objects.filter(case=case).values_list("fiscal_year", "base")) == [
        (2025, 10),
        (2026, 20),
        (2027, 30),
        (2028, 35),
    ]
    edit = reverse("monitoring:cost_edit", args=[AOBA, case.pk])
    page = client.get(edit).content.decode()
    assert 'value="12000"' in page and 'value="令和8年度"' in page
    response = client.post(edit, _form_data(measure, procedure="子育て手続の窓口", postage="84"))
    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.procedure, case.postage) == ("子育て手続の窓口", 84)
    delete = reverse("monitoring:cost_delete", args=[AOBA, case.pk])
    assert client_of("executive-1").post(delete).status_code == 403
    response = client.post(delete, follow=True)
    assert "費用対効果の試算「子育て手続の窓口」を削除しました。" in response.content.decode()
    assert not CostCase.objects.exists() and not CostAdoption.objects.exists()


def test_the_form_explains_what_is_wrong_and_saves_nothing(org_coded):
    org = org_coded(AOBA)
    measure = sample_measure(org)
    client = client_of("muni-admin-1")
    new = reverse("monitoring:cost_new", args=[AOBA])
    kpi = make_kpi(org, name="待ち時間", kind="numeric")
    before = AuditEntry.objects.count()
    response = client.post(new, _form_data(measure, staff_hourly_cost="", first_fy="来年"))
    assert response.status_code == 400
    text = response.content.decode()
    assert "職員の人件費(円/時)を入力してください。" in text
    assert "「来年」は年度として読めません。" in text
    response = client.post(new, _form_data(measure, adoption_high_0="8"))
    text = response.content.decode()
    assert response.status_code == 400
    assert (
        "令和7年度の普及率は 低位 ≤ 基準 ≤ 高位 になるように入力してください"
        "(いまは 低位 5%、基準 10%、高位 8%)。"
    ) in text
    response = client.post(new, _form_data(measure, adoption_fy_3=""))
    assert "この行の年度を入力してください" in response.content.decode()
    response = client.post(
        new,
        _form_data(
            measure, adoption_fy_3="", adoption_low_3="", adoption_base_3="", adoption_high_3=""
        ),
    )
    assert "令和10年度の普及率(低位・基準・高位)を入力してください。" in response.content.decode()
    response = client.post(new, _form_data(measure, kpi=kpi.pk))
    assert response.status_code == 400  # not offered: only count KPIs are
    assert not CostCase.objects.exists() and AuditEntry.objects.count() == before


def test_only_staff_open_the_form(org_coded):
    for username in ("executive-1", "dept-staff-1"):
        response = client_of(username).get(reverse("monitoring:cost_new", args=[AOBA]))
        assert response.status_code == 403


def test_excel_export_has_the_inputs_and_each_years_results(case):
    response = client_of("executive-1").get(reverse("monitoring:cost_excel", args=[AOBA, case.pk]))
    assert response.status_code == 200
    assert f"cost-{AOBA}-{case.pk}.xlsx" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["入力", "年度別", "合計"]
    inputs = {row[0]: row[1] for row in book["入力"].iter_rows(min_row=4, values_only=True)}
    assert inputs["年間の手続件数 N(件/年)"] == 10000 and inputs["割引率(%/年)"] == 5
    years = list(book["年度別"].iter_rows(min_row=2, values_only=True))
    base_2026 = next(r for r in years if r[:2] == ("令和8年度", "基準"))
    assert base_2026[4:11] == (4000, 4000, 6000000, 800, 2400000, 1000000, 7400000)
    realised = [r for r in years if r[1] == "実績"]
    assert [(r[0], r[3], r[4], r[10]) for r in realised] == [
        ("令和7年度", "通年", 1800, -2220000),
        ("令和8年度", "4〜6月", 600, 1010000),
    ]
    totals = {row[0]: row[1:] for row in book["合計"].iter_rows(min_row=2, values_only=True)}
    assert round(totals["正味現在価値 NPV(円)"][1], 2) == 13864399.09  # base
    assert totals["回収年度"] == ("令和9年度", "令和8年度", "令和7年度", "期間内に回収できない")


def test_excel_export_keeps_typed_text_as_text(case):
    """A procedure or a note starting with "=" must never become a formula, and a stray
    control character must not break the file."""
    CostCase.objects.filter(pk=case.pk).update(procedure="=1+1", note='=HYPERLINK("x")\x07')
    response = client_of("executive-1").get(reverse("monitoring:cost_excel", args=[AOBA, case.pk]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content))["入力"]
    assert sheet["A1"].value == "費用対効果の試算: =1+1" and sheet["A1"].data_type == "s"
    note = next(r for r in sheet.iter_rows(min_row=4) if r[0].value == "前提と数字の出どころ")[1]
    assert (note.value, note.data_type) == ('=HYPERLINK("x")', "s")


def test_list_page_has_a_fixed_number_of_queries(org_coded, django_assert_num_queries):
    org = org_coded(AOBA)
    kpi = _monthly_kpi(org)
    make_case(org, kpi=kpi)
    client = client_of("muni-admin-1")
    url = reverse("monitoring:costs", args=[AOBA])
    client.get(url)  # warm the session
    with django_assert_num_queries(9) as captured:
        first = client.get(url)
    for i in range(4):
        make_case(org, procedure=f"手続{i}", kpi=kpi if i % 2 else None)
    with django_assert_num_queries(len(captured)):
        response = client.get(url)
    text = response.content.decode()
    assert first.status_code == 200 and text.count("/monitoring/costs/") >= 5
    assert "合計(5件の試算)" in text


def test_case_page_has_a_pinned_number_of_queries(case, django_assert_num_queries):
    client = client_of("muni-admin-1")
    url = reverse("monitoring:cost", args=[AOBA, case.pk])
    client.get(url)
    with django_assert_num_queries(9):
        assert client.get(url).status_code == 200


def test_measure_page_shows_the_cases_headline(case, org_coded, django_assert_max_num_queries):
    url = reverse("plans:measure", args=[AOBA, case.measure_id])
    text = client_of("executive-1").get(url).content.decode()
    assert 'id="measure-costs"' in text and case.procedure in text
    assert "13,864千円" in text and "令和8年度" in text and "2,400件" in text
    assert "この施策の費用対効果を試算する" not in text
    staff = client_of("muni-staff-1").get(url).content.decode()
    assert f"/monitoring/costs/new/?measure={case.measure_id}" in staff
    other = make_plan(org_coded(AOBA), title="別の計画", measures=1).measures.get()
    bare = reverse("plans:measure", args=[AOBA, other.pk])
    assert 'id="measure-costs"' not in client_of("executive-1").get(bare).content.decode()
    assert (
        "この施策の費用対効果の試算はまだありません"
        in client_of("muni-staff-1").get(bare).content.decode()
    )


def test_plan_summary_shows_the_totals_of_its_cases(case, org_coded):
    org = org_coded(AOBA)
    make_case(
        org,
        procedure="証明書の郵送請求",
        first_fy=2025,
        last_fy=2025,
        adoption=EXAMPLE_ADOPTION[:1],
    )
    plan = case.measure.plan
    text = (
        client_of("executive-1")
        .get(reverse("plans:summary", args=[AOBA, plan.pk]))
        .content.decode()
    )
    block = text[text.index('id="s-costs"') :]
    # Base: 11,000 + 2,000 resident hours; 16,500 + 3,000 千円; 2,200 + 400 staff hours;
    # NPV 13,864,399.09 − 1,800,000 = 12,064千円. Realised so far: the linked case's 2,400件.
    assert "2件の試算" in block and "実績(KPIのある1件)" in block
    assert "13,000.0時間" in block and "19,500千円" in block and "2,600.0時間" in block
    assert "12,064千円" in block
    assert "2,400.0時間" in block and "3,600千円" in block  # realised: 2,400 × 1h, × 1,500円
    bare = make_plan(org, title="試算のない計画", measures=1)
    other = client_of("executive-1").get(reverse("plans:summary", args=[AOBA, bare.pk]))
    assert 'id="s-costs"' not in other.content.decode()


def test_the_staff_cost_hint_is_in_the_form(org_coded):
    page = client_of("muni-admin-1").get(reverse("monitoring:cost_new", args=[AOBA]))
    assert "7,000,000円 ÷ 1,880時間 ≈ 3,723円/時" in page.content.decode()
    assert user("muni-admin-1").username == "muni-admin-1"
