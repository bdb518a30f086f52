"""The cost-effectiveness API: inputs, adoption rows and computed results (the worked example of
test_costs), writes with the page's checks, rights, 404 across organizations, the schema."""

import pytest
from rest_framework.test import APIClient

from chiikidx.core.models import AuditEntry
from chiikidx.monitoring.models import CostAdoption, CostCase

from ..plans.sample import sample_measure
from .cost_sample import EXAMPLE_ADOPTION, make_case
from .test_api import api_for
from .test_cost_pages import _monthly_kpi

pytestmark = pytest.mark.django_db

AOBA, WAKABA, B_MUNI = "992011", "993018", "982016"
URL = "/api/v1/cost-cases/"


@pytest.fixture
def case(org_coded):
    org = org_coded(AOBA)
    return make_case(
        org, first_fy=2025, last_fy=2027, adoption=EXAMPLE_ADOPTION[:3], kpi=_monthly_kpi(org)
    )


def test_a_case_with_its_computed_results(case, org_coded):
    make_case(org_coded(B_MUNI), procedure="別の県の試算")
    found = api_for("executive-1").get(URL).json()
    assert [c["procedure"] for c in found["results"]] == [case.procedure]
    item = found["results"][0]
    assert (item["organization_code"], item["kind"], item["kind_label"]) == (
        AOBA,
        "online",
        "オンライン申請",
    )
    assert (item["annual_procedures"], item["time_value"], item["discount_rate"]) == (
        "10000",
        "1200",
        "5.00",
    )
    assert item["years"] == [2025, 2026, 2027] and item["kpi"] == case.kpi_id
    assert item["adoption"][0] == {
        "fiscal_year": 2025,
        "low": "10.00",
        "base": "20.00",
        "high": "30.00",
    }
    base = item["projection"]["base"]
    assert [y["net"] for y in base["years"]] == ["-1800000", "7400000", "9500000"]
    assert [y["cumulative_net"] for y in base["years"]] == ["-1800000", "5600000", "15100000"]
    assert (base["npv"], base["payback_fy"], base["internal_payback_fy"]) == (
        "13864399",
        2026,
        None,
    )
    assert (base["resident_hours"], base["staff_yen"], base["internal"]) == (
        "11000.00",
        "6600000",
        "-1400000",
    )
    assert item["projection"]["low"]["npv"] == "3954875"
    assert item["projection"]["high"]["payback_fy"] == 2025
    realised = item["realised"]
    assert [(y["fiscal_year"], y["moved"], y["net"]) for y in realised["years"]] == [
        (2025, "1800.00", "-2220000"),
        (2026, "600.00", "1010000"),
    ]
    assert realised["years"][1]["months"] == [4, 5, 6]
    assert (
        realised["years"][0]["adoption"] == "18.00" and realised["years"][1]["adoption"] == "24.00"
    )
    assert (realised["moved"], realised["npv"]) == ("2400.00", "-1258095")
    assert api_for("pref-staff").get(f"{URL}{case.pk}/").status_code == 200
    assert api_for("muni-admin-2").get(f"{URL}{case.pk}/").status_code == 404
    assert APIClient().get(URL).status_code in (401, 403)
    assert api_for("executive-1").get(URL, {"plan": case.measure.plan_id}).json()["count"] == 1
    assert api_for("executive-1").get(URL, {"organization": WAKABA}).json()["count"] == 0


def _payload(measure, **changes):
    return {
        "organization_code": AOBA,
        "measure": measure.pk,
        "kind": "no_writing",
        "procedure": "住民異動届",
        "annual_procedures": "8000",
        "filling_minutes": "12",
        "staff_minutes": "8",
        "staff_hourly_cost": "3600",
        "initial_cost": "9000000",
        "adoption": [
            {"fiscal_year": fy, "low": 20, "base": 30, "high": 40} for fy in range(2025, 2029)
        ],
    } | changes


def test_staff_create_change_and_delete_cases(org_coded):
    measure = sample_measure(org_coded(AOBA))
    api = api_for("muni-staff-1")
    created = api.post(URL, _payload(measure), format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    case = CostCase.objects.get(pk=body["id"])
    assert (case.kind, case.time_value, case.discount_rate) == ("no_writing", 1121, 4)  # defaults
    assert body["projection"]["base"]["years"][0]["moved"] == "2400.00"  # 8,000 × 30%
    changed = api.patch(f"{URL}{case.pk}/", {"postage": "84", "last_fy": 2026}, format="json")
    assert changed.status_code == 400  # the stored rows of 令和9・10年度 fall outside
    assert (
        changed.json()["field"] == "adoption"
        and "令和9年度は試算の期間" in changed.json()["detail"]
    )
    rows = [{"fiscal_year": fy, "low": 20, "base": 30, "high": 40} for fy in (2025, 2026)]
    changed = api.patch(
        f"{URL}{case.pk}/", {"postage": "84", "last_fy": 2026, "adoption": rows}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["years"] == [2025, 2026]
    assert CostAdoption.objects.filter(case=case).count() == 2
    assert api.delete(f"{URL}{case.pk}/").status_code == 204
    assert not CostCase.objects.exists()


def test_writes_are_refused_with_the_pages_messages(org_coded):
    org = org_coded(AOBA)
    measure = sample_measure(org)
    api = api_for("muni-admin-1")
    before = AuditEntry.objects.count()
    refused = api.post(URL, _payload(measure, staff_hourly_cost=None), format="json")
    assert refused.status_code == 400
    assert refused.json()["field"] == "staff_hourly_cost"
    assert refused.json()["detail"].startswith("職員の人件費(円/時)を入力してください。")
    refused = api.post(URL, _payload(measure, adoption=[{"fiscal_year": "来年"}]), format="json")
    assert refused.status_code == 400 and "adoption の各行は" in refused.json()["detail"]
    other = sample_measure(org_coded(WAKABA))
    refused = api.post(URL, _payload(other), format="json")
    assert refused.json()["detail"] == "measure には、この団体の計画の施策のIDを指定してください。"
    refused = api.post(URL, _payload(measure, organization_code=B_MUNI), format="json")
    assert refused.status_code == 400 and "organization_code" in refused.json()["detail"]
    assert api_for("executive-1").post(URL, _payload(measure), format="json").status_code == 403
    case = make_case(org)
    count = AuditEntry.objects.count()
    for username in ("executive-1", "dept-staff-1"):
        api = api_for(username)
        assert api.patch(f"{URL}{case.pk}/", {"procedure": "x"}, format="json").status_code == 403
        assert api.delete(f"{URL}{case.pk}/").status_code == 403
    assert api_for("muni-admin-2").delete(f"{URL}{case.pk}/").status_code == 404
    assert AuditEntry.objects.count() == count and CostCase.objects.count() == 1
    assert count > before  # only make_case wrote


def test_list_has_a_fixed_number_of_queries(case, org_coded, django_assert_num_queries):
    api = api_for("muni-admin-1")
    api.get(URL)
    with django_assert_num_queries(4) as captured:  # count, cases, adoption rows, actuals
        assert api.get(URL).json()["count"] == 1
    for i in range(4):
        make_case(org_coded(AOBA), procedure=f"手続{i}", kpi=case.kpi if i % 2 else None)
    with django_assert_num_queries(len(captured)):
        assert api.get(URL).json()["count"] == 5


def test_schema_lists_the_cost_case_endpoints():
    schema = APIClient().get("/api/v1/schema/?format=json").json()
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/cost-cases/"])
    assert {"get", "put", "patch", "delete"} <= set(paths["/api/v1/cost-cases/{id}/"])
    components = schema["components"]["schemas"]
    assert {"CostCase", "CostCaseWrite", "SeriesOut", "CostKindEnum"} <= set(components)


def test_a_form_encoded_post_names_the_adoption_rows_as_drf_does(org_coded):
    data = {k: v for k, v in _payload(sample_measure(org_coded(AOBA))).items() if k != "adoption"}
    for i, fy in enumerate(range(2025, 2029)):
        data |= {f"adoption[{i}]fiscal_year": fy, f"adoption[{i}]low": 5}
        data |= {f"adoption[{i}]base": 10, f"adoption[{i}]high": 15}
    created = api_for("muni-admin-1").post(URL, data)
    assert created.status_code == 201, created.json()
    assert [a["base"] for a in created.json()["adoption"]] == ["10.00"] * 4
