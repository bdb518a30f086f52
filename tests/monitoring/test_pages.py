"""Monitoring pages: status codes, 404 across organizations, entering an actual, evidence
downloads, the measure page's panel, tasks, and pinned query counts."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from chiikidx.core.models import AuditEntry
from chiikidx.monitoring import services
from chiikidx.monitoring.models import Kpi, KpiActual
from chiikidx.monitoring.periods import period_of

from ..plans.sample import make_plan
from .sample import department, make_kpi, user

pytestmark = pytest.mark.django_db

AOBA, WAKABA = "992011", "993018"


def client_of(username):
    client = Client()
    client.force_login(user(username))
    return client


def months_ago(n: int) -> datetime.date:
    today = timezone.localdate()
    total = today.year * 12 + today.month - 1 - n
    return datetime.date(total // 12, total % 12 + 1, 1)


@pytest.fixture
def kpi(org_coded):
    """福祉課's monthly KPI from six months back, owned by dept-staff-1."""
    baseline = months_ago(6) - datetime.timedelta(days=1)
    return make_kpi(
        org_coded(AOBA),
        owner=user("dept-staff-1"),
        baseline_date=baseline,
        targets=[services.TargetInput(baseline + datetime.timedelta(days=365), Decimal(220))],
    )


def test_pages_render_for_staff(kpi):
    client = client_of("muni-admin-1")
    for url in [
        reverse("monitoring:home", args=[AOBA]),
        reverse("monitoring:home", args=[AOBA]) + "?show=all&status=no_data&alert=stale",
        reverse("monitoring:mine", args=[AOBA]),
        reverse("monitoring:kpi_new", args=[AOBA]),
        reverse("monitoring:kpi", args=[AOBA, kpi.pk]),
        reverse("monitoring:kpi_edit", args=[AOBA, kpi.pk]),
        reverse("monitoring:import", args=[AOBA]),
        reverse("monitoring:locks", args=[AOBA]),
    ]:
        assert client.get(url).status_code == 200, url
    page = client.get(reverse("monitoring:kpi", args=[AOBA, kpi.pk])).content.decode()
    assert "目標の経路の計算方法" in page and "線形補間" in page
    assert "<svg" in page and "kpi-chart__target" in page
    assert "100件" in page  # the baseline


def test_another_organizations_kpi_is_404(kpi):
    client = client_of("muni-admin-2")
    for url in [
        reverse("monitoring:kpi", args=[WAKABA, kpi.pk]),
        reverse("monitoring:kpi_edit", args=[WAKABA, kpi.pk]),
    ]:
        assert client.get(url).status_code == 404
    before = AuditEntry.objects.count()
    posted = client.post(
        reverse("monitoring:actual_new", args=[WAKABA, kpi.pk]),
        {"period": months_ago(1).isoformat(), "value": "5"},
    )
    assert posted.status_code == 404
    assert AuditEntry.objects.count() == before


def test_create_kpi_from_the_form_with_wareki_and_zenkaku(org_coded):
    org = org_coded(AOBA)
    plan = make_plan(org, measures=1)
    measure = plan.measures.first()
    client = client_of("muni-staff-1")
    form = client.get(reverse("monitoring:kpi_new", args=[AOBA]) + f"?measure={measure.pk}")
    assert f'value="{measure.pk}" id="id_measures_0" checked' in form.content.decode()
    data = {
        "code": "K-10",
        "name": "窓口の平均滞在時間",
        "kind": "numeric",
        "direction": "lower",
        "unit": "分",
        "frequency": "quarterly",
        "owner_user": user("dept-staff-1").pk,
        "owner_department": department(org, "福祉課").pk,
        "baseline_value": "３５",
        "baseline_date": "令和7年3月31日",
        "at_risk_threshold": "5",
        "off_track_threshold": "15",
        "grace_days": "30",
        "stall_periods": "3",
        "is_active": "on",
        "measures": [measure.pk],
        "target_when_0": "令和7年度",
        "target_value_0": "30",
        "target_when_1": "R9.3.31",
        "target_value_1": "２０",
    }
    response = client.post(reverse("monitoring:kpi_new", args=[AOBA]), data)
    assert response.status_code == 302
    kpi = Kpi.objects.get(code="K-10")
    assert (kpi.baseline_value, kpi.baseline_date) == (35, datetime.date(2025, 3, 31))
    assert list(kpi.targets.values_list("target_date", "fiscal_year", "value")) == [
        (datetime.date(2026, 3, 31), 2025, 30),
        (datetime.date(2027, 3, 31), None, 20),
    ]
    bad = client.post(
        reverse("monitoring:kpi_new", args=[AOBA]),
        data | {"code": "K-11", "target_when_0": "来年", "target_value_1": ""},
    )
    assert bad.status_code == 400
    page = bad.content.decode()
    assert "「来年」は年度か日付として読めません" in page and "目標の値を入力してください。" in page


def test_owner_records_an_actual_with_a_file_and_the_status_changes(kpi):
    client = client_of("dept-staff-1")
    mine = reverse("monitoring:mine", args=[AOBA])
    page = client.get(mine).content.decode()
    assert f'id="kpi-{kpi.pk}"' in page and "実績なし" in page
    period = period_of("monthly", months_ago(1))
    upload = SimpleUploadedFile("月報.pdf", b"%PDF-1.4 report", content_type="application/pdf")
    response = client.post(
        reverse("monitoring:actual_new", args=[AOBA, kpi.pk]),
        {
            "period": period.start.isoformat(),
            "value": "２００",
            "comment": "月報から",
            "file": upload,
            "next": mine,
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == mine
    text = response.content.decode()
    assert f"「{kpi.name}」の{period.label} の実績を記録しました。状況: 順調" in text
    actual = KpiActual.objects.get(kpi=kpi)
    assert (actual.value, actual.comment, actual.file_name) == (200, "月報から", "月報.pdf")
    # The file is sent to those who may see the KPI, and to nobody else
    url = reverse("monitoring:actual_file", args=[AOBA, kpi.pk, actual.pk])
    download = client_of("executive-1").get(url)
    assert (
        download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1.4 report"
    )
    assert download["Content-Type"] == "application/pdf"
    assert "filename*=UTF-8''%E6%9C%88%E5%A0%B1.pdf" in download["Content-Disposition"]
    assert download["Cache-Control"] == "private, no-store"
    assert client_of("muni-admin-2").get(url).status_code == 404
    assert (
        client_of("muni-admin-2")
        .get(reverse("monitoring:actual_file", args=[WAKABA, kpi.pk, actual.pk]))
        .status_code
        == 404
    )


def test_bad_values_and_refusals_are_explained(kpi, org_coded):
    client = client_of("dept-staff-1")
    url = reverse("monitoring:actual_new", args=[AOBA, kpi.pk])
    period = period_of("monthly", months_ago(1)).start.isoformat()
    response = client.post(url, {"period": period, "value": "たくさん"}, follow=True)
    assert "記録できませんでした" in response.content.decode()
    assert "数値として読めません" in response.content.decode()
    response = client.post(url, {"period": period, "value": "1.5"}, follow=True)
    assert "件数は0以上の整数で入力してください。" in response.content.decode()
    assert not KpiActual.objects.filter(kpi=kpi).exists()
    other = make_kpi(
        org_coded(AOBA), name="税務課のKPI", owner_department=department(org_coded(AOBA), "税務課")
    )
    refused = client.post(
        reverse("monitoring:actual_new", args=[AOBA, other.pk]), {"period": period, "value": "1"}
    )
    assert refused.status_code == 403


def test_correction_keeps_history_on_the_kpi_page(kpi):
    period = period_of("monthly", months_ago(2))
    for value, comment in [(150, "速報値"), (158, "確定値")]:
        services.record_actual(
            acting_user=user("dept-staff-1"),
            kpi=kpi,
            period=period,
            value=Decimal(value),
            comment=comment,
        )
    page = (
        client_of("executive-1")
        .get(reverse("monitoring:kpi", args=[AOBA, kpi.pk]))
        .content.decode()
    )
    assert "修正の履歴" in page and f'id="history-{period.key}"' in page
    assert "速報値" in page and "確定値" in page and "第2版" in page


def test_locks_page_locks_and_unlocks(kpi, org_coded):
    client = client_of("muni-admin-1")
    url = reverse("monitoring:locks", args=[AOBA])
    bad = client.post(url, {"period": "いつか"})
    assert bad.status_code == 400 and "期間として読めません" in bad.content.decode()
    assert client.post(url, {"period": "令和7年度 Q1", "note": "確認済み"}).status_code == 302
    lock = org_coded(AOBA) and services.PeriodLock.objects.get(organization__code=AOBA)
    assert lock.label == "令和7年度 Q1(4〜6月)"
    assert "令和7年度 Q1(4〜6月)" in client.get(url).content.decode()
    response = client.post(reverse("monitoring:lock_delete", args=[AOBA, lock.pk]))
    assert response.status_code == 302
    assert not services.PeriodLock.objects.filter(pk=lock.pk).exists()


def test_task_on_the_home_page_leads_to_my_kpis(kpi):
    home = client_of("dept-staff-1").get("/").content.decode()
    assert f"KPI「{kpi.name}」の実績を入力" in home
    assert reverse("monitoring:mine", args=[AOBA]) + f"#kpi-{kpi.pk}" in home
    # Another department's staff and other organizations see no such task
    assert "KPI「" not in client_of("muni-admin-2").get("/").content.decode()


def test_measure_page_shows_kpis_and_a_suggestion(org_coded):
    org = org_coded(AOBA)
    plan = make_plan(org, measures=1)
    measure = plan.measures.select_related("plan").get()
    client = client_of("muni-admin-1")
    url = reverse("plans:measure", args=[AOBA, measure.pk])
    page = client.get(url).content.decode()
    assert "この施策のKPIはまだありません。" in page and "この施策のKPIを登録する" in page
    kpi = make_kpi(org, measures=[measure])
    services.record_actual(
        acting_user=user("muni-staff-1"),
        kpi=kpi,
        period=period_of("monthly", datetime.date(2025, 9, 1)),
        value=Decimal(120),  # target 160.16 → 25% short → 遅れ
    )
    page = client.get(url).content.decode()
    assert "KPIからの状況の提案" in page and "遅延" in page
    assert "いまの状況は「未着手」です" in page
    # 原課担当 see the panel, without the link to register a KPI
    staff_page = client_of("dept-staff-1").get(url).content.decode()
    assert kpi.name in staff_page and "この施策のKPIを登録する" not in staff_page


def _many_kpis(org, n=12):
    plan = make_plan(org, measures=3)
    measures = list(plan.measures.select_related("plan"))
    staff = user("muni-staff-1")
    for i in range(n):
        kpi = make_kpi(
            org,
            code=f"K-{i:02}",
            name=f"KPI {i}",
            owner=user("dept-staff-1") if i % 2 else None,
            measures=measures[: i % 3 + 1],
        )
        for month in range(4, 4 + i % 5 + 1):
            services.record_actual(
                acting_user=staff,
                kpi=kpi,
                period=period_of("monthly", datetime.date(2025, month, 1)),
                value=Decimal(100 + month * i),
            )


def test_monitoring_and_my_kpis_have_pinned_query_counts(org_coded, django_assert_max_num_queries):
    _many_kpis(org_coded(AOBA))
    admin = client_of("muni-admin-1")
    url = reverse("monitoring:home", args=[AOBA]) + "?show=all"
    admin.get(url)  # warm the session and the shell
    # shell 6, KPIs 1, targets 1, actuals 1, who recorded 1, measures 1, inactive 1, departments 1
    with django_assert_max_num_queries(13):
        response = admin.get(url)
    assert response.content.decode().count('id="kpi-') == 12
    staff = client_of("dept-staff-1")
    mine = reverse("monitoring:mine", args=[AOBA])
    staff.get(mine)
    with django_assert_max_num_queries(10):  # shell 6, KPIs 1, targets 1, actuals 1, locks 1
        response = staff.get(mine)
    assert response.content.decode().count('class="quick-update"') == 12
    kpi = Kpi.objects.filter(organization__code=AOBA).order_by("-pk").first()
    with django_assert_max_num_queries(15):
        assert admin.get(reverse("monitoring:kpi", args=[AOBA, kpi.pk])).status_code == 200


def test_my_kpis_does_not_offer_a_locked_period(kpi, org_coded):
    """「自分のKPI」 offers only periods that can still be entered, as the KPI page does."""
    url = reverse("monitoring:mine", args=[AOBA])
    month = kpi.period_of(months_ago(2))
    option = f'<option value="{month.start.isoformat()}"'
    assert option in client_of("dept-staff-1").get(url).content.decode()
    services.lock_period(
        acting_user=user("muni-admin-1"),
        organization=org_coded(AOBA),
        period=month,
    )
    assert option not in client_of("dept-staff-1").get(url).content.decode()
