"""The process API: processes with their figures, one process with its steps and candidates,
creating with organization_code and steps, changing the steps as a whole list, the analysis
action; rights (原課担当 their own department), 404 across organizations, the schema."""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from chiikidx.challenges.models import Process
from chiikidx.challenges.processes import services
from chiikidx.core.models import AuditEntry

from ..plans.sample import department
from .process_sample import make_process, owner_department, sample_process

pytestmark = pytest.mark.django_db

AOBA, WAKABA, B_MUNI = "992011", "993018", "982016"
URL = "/api/v1/processes/"


def api_for(username):
    api = APIClient()
    api.force_authenticate(get_user_model().objects.get(username=username))
    return api


def step(pk, name, step_type, medium, minutes, **more):
    found = {"name": name, "step_type": step_type, "medium": medium, "minutes": minutes, **more}
    return found | ({"id": pk} if pk else {})


@pytest.fixture
def process(org_coded):
    return sample_process(org_coded(AOBA))


def test_the_list_has_each_processs_figures(process, org_coded):
    make_process(org_coded(B_MUNI), name="別の県の業務")
    found = api_for("executive-1").get(URL).json()
    assert [p["name"] for p in found["results"]] == ["児童手当の認定請求"]
    item = found["results"][0]
    assert (item["organization_code"], item["department_name"], item["annual_volume"]) == (
        AOBA,
        "福祉課",
        1200,
    )
    # 職員 5 + 12 + 6 + 5 = 28 分/件; × 1,200 = 33,600 分 = 560.0 時間
    assert item["figures"] == {
        "steps": 5,
        "staff_minutes": "28.0",
        "staff_minutes_year": "33600.0",
        "staff_hours_year": "560.0",
        "resident_minutes": "15.0",
        "paper_steps": 3,
        "in_person_steps": 1,
        "digital_steps": 1,
    }
    # 記入 by residents on paper, 受付 対面 only, 入力 after paper, 転記 on paper
    assert item["candidate_count"] == 4
    assert "steps" not in item


def test_one_process_with_its_steps_and_candidates(process):
    found = api_for("muni-staff-1").get(f"{URL}{process.pk}/").json()
    assert [s["name"] for s in found["steps"]] == [
        "認定請求書の記入",
        "請求書の受付",
        "児童手当システムに入力",
        "台帳への転記",
        "認定の決裁",
    ]
    transcribe = found["steps"][3]
    assert (
        transcribe["medium_label"],
        transcribe["minutes"],
        transcribe["staff_minutes_year"],
    ) == (
        "紙",
        "6.0",
        "7200.0",
    )
    assert transcribe["candidate"]["kind"] == "paper_transcription"
    assert transcribe["candidate"]["remedy"] == "RPA・OCR、または電子申請"
    assert found["steps"][4]["candidate"] is None
    assert transcribe["challenge"] is None


def test_create_with_steps(org_coded):
    api = api_for("muni-staff-1")
    response = api.post(
        URL,
        {
            "organization_code": AOBA,
            "name": "転入届",
            "common_name": "転入届",
            "department": department(org_coded(AOBA), "住民課").pk,
            "annual_volume": 4800,
            "steps": [
                {"name": "転入届の記入", "step_type": "fill", "medium": "paper",
                 "minutes": "10", "performer": "resident"},
                {"name": "届出書の受付", "step_type": "receive", "medium": "in_person",
                 "minutes": "3"},
            ],
        },
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    body = response.json()
    assert [s["order"] for s in body["steps"]] == [1, 2]
    assert body["figures"]["staff_minutes_year"] == "14400.0"  # 3 × 4,800
    process = Process.objects.get(pk=body["id"])
    assert AuditEntry.objects.filter(model_label="challenges.ProcessStep").count() >= 2
    assert process.created_by.username == "muni-staff-1"


def test_create_refusals(org_coded):
    staff = api_for("muni-staff-1")
    assert staff.post(URL, {"name": "x"}, format="json").status_code == 400
    unseen = staff.post(URL, {"organization_code": WAKABA, "name": "x"}, format="json")
    assert unseen.status_code == 400 and "organization_code" in unseen.json()["detail"]
    reader = api_for("executive-1").post(URL, {"organization_code": AOBA, "name": "x"})
    assert reader.status_code == 403
    bad_step = staff.post(
        URL,
        {
            "organization_code": AOBA,
            "name": "転入届",
            "steps": [{"name": "記入", "step_type": "fill", "medium": "paper", "minutes": "1.25"}],
        },
        format="json",
    )
    assert bad_step.status_code == 400
    assert not Process.objects.filter(name="転入届").exists()


def test_department_staff_create_in_their_department_only(org_coded):
    aoba = org_coded(AOBA)
    theirs = api_for("dept-staff-1")
    own = theirs.post(
        URL,
        {"organization_code": AOBA, "name": "介護保険", "department": owner_department(aoba).pk},
        format="json",
    )
    assert own.status_code == 201
    other = theirs.post(
        URL,
        {"organization_code": AOBA, "name": "転入届", "department": department(aoba, "住民課").pk},
        format="json",
    )
    assert other.status_code == 400 and "自分の部署" in other.json()["detail"]


def test_steps_are_replaced_as_a_whole_list(process):
    api = api_for("muni-staff-1")
    current = api.get(f"{URL}{process.pk}/").json()["steps"]
    first, last = current[0], current[-1]
    response = api.patch(
        f"{URL}{process.pk}/",
        {
            "annual_volume": 1000,
            "steps": [
                step(last["id"], "課長の決裁", "approve", "digital", "2"),
                step(first["id"], first["name"], "fill", "paper", "15", performer="resident"),
                step(None, "通知書の発送", "notify", "paper", "3"),
            ],
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    steps = response.json()["steps"]
    assert [(s["order"], s["name"]) for s in steps] == [
        (1, "課長の決裁"),
        (2, "認定請求書の記入"),
        (3, "通知書の発送"),
    ]
    assert steps[0]["id"] == last["id"]
    process.refresh_from_db()
    assert process.annual_volume == 1000 and process.steps.count() == 3
    foreign = api.patch(
        f"{URL}{process.pk}/",
        {"steps": [{"id": 999999, "name": "x", "step_type": "other", "medium": "paper"}]},
        format="json",
    )
    assert foreign.status_code == 400 and "この業務の手順ではありません" in foreign.json()["detail"]


def test_refused_steps_leave_the_process_fields_unchanged_too(process):
    """One request, one transaction: a refused step list keeps the fields sent with it."""
    before = AuditEntry.objects.count()
    response = api_for("muni-staff-1").patch(
        f"{URL}{process.pk}/",
        {
            "annual_volume": 5,
            "steps": [{"id": 999999, "name": "x", "step_type": "other", "medium": "paper"}],
        },
        format="json",
    )
    assert response.status_code == 400
    process.refresh_from_db()
    assert process.annual_volume == 1200 and AuditEntry.objects.count() == before


def test_rights_on_one_process(process, org_coded):
    assert api_for("muni-admin-2").get(f"{URL}{process.pk}/").status_code == 404
    assert api_for("muni-admin-2").patch(f"{URL}{process.pk}/", {"name": "x"}).status_code == 404
    assert api_for("executive-1").patch(f"{URL}{process.pk}/", {"name": "x"}).status_code == 403
    assert (
        api_for("dept-staff-1").patch(f"{URL}{process.pk}/", {"annual_volume": 5}).status_code
        == 200
    )
    other = make_process(
        org_coded(AOBA), name="転入届", department=department(org_coded(AOBA), "住民課")
    )
    refused = api_for("dept-staff-1").patch(f"{URL}{other.pk}/", {"annual_volume": 5})
    assert refused.status_code == 403
    assert api_for("pref-staff").get(f"{URL}{process.pk}/").status_code == 200
    assert api_for("t-pref-admin").get(f"{URL}{process.pk}/").status_code == 404
    assert api_for("muni-staff-1").delete(f"{URL}{process.pk}/").status_code == 405


def test_the_analysis_action(process, org_coded):
    make_process(org_coded(AOBA), name="転入届")
    make_process(org_coded(WAKABA), name="転入届")
    found = api_for("pref-staff").get(f"{URL}analysis/?organization={AOBA}")
    assert found.status_code == 200
    (body,) = found.json()
    assert body["organization_code"] == AOBA
    # two processes of 28 分 × 1,200: 67,200 分
    assert body["figures"]["staff_minutes_year"] == "67200.0"
    assert len(body["candidates"]) == 8
    assert body["candidates"][0]["candidate"]["staff_minutes_year"] == "14400.0"  # 12 × 1,200
    assert [s["name"] for s in body["shared_steps"]][:1] == ["児童手当システムに入力"]
    # 入力 12 分 × 1,200 × 2 = 28,800 of 67,200 分: 42.9 %
    assert body["by_step_type"][0] == {
        "key": "input",
        "label": "システム入力",
        "steps": 2,
        "staff_minutes_year": "28800.0",
        "share": "42.9",
    }
    # 電子 28,800; 紙 転記 14,400 + 決裁 12,000 = 26,400; 対面 12,000
    assert [m["key"] for m in body["by_medium"]] == ["digital", "paper", "in_person"]
    every = api_for("pref-staff").get(f"{URL}analysis/").json()
    assert [a["organization_code"] for a in every] == [AOBA, WAKABA]
    assert api_for("muni-admin-2").get(f"{URL}analysis/?organization={AOBA}").json() == []
    assert [
        a["organization_code"] for a in api_for("muni-admin-2").get(f"{URL}analysis/").json()
    ] == [WAKABA]


def test_the_schema_lists_the_process_endpoints():
    schema = APIClient().get("/api/v1/schema/?format=json").json()
    assert {"/api/v1/processes/", "/api/v1/processes/{id}/", "/api/v1/processes/analysis/"} <= set(
        schema["paths"]
    )
    components = schema["components"]["schemas"]
    assert "steps" in components["ProcessDetail"]["properties"]
    assert "by_step_type" in components["ProcessAnalysis"]["properties"]


# a token-less API client: the user's memberships and wards (2), then the endpoint's own reads
API_QUERIES = {
    "list": 5,  # + the count, the page of processes, all their steps
    "retrieve": 6,  # + the process, read again with its figures, its steps, the 課題 seen
    "analysis": 4,  # + the processes, all their steps
}


def test_query_counts_do_not_grow_with_the_rows(process, org_coded, django_assert_num_queries):
    aoba = org_coded(AOBA)
    addresses = {
        "list": URL,
        "retrieve": f"{URL}{process.pk}/",
        "analysis": f"{URL}analysis/",
    }
    for name, address in addresses.items():
        api = api_for("pref-staff")
        with django_assert_num_queries(API_QUERIES[name]):
            assert api.get(address).status_code == 200
    for i in range(3):
        make_process(aoba, name=f"業務{i}")
    make_process(org_coded(WAKABA), name="転入届")
    step = process.steps.get(name="台帳への転記")
    services.make_challenge(
        acting_user=get_user_model().objects.get(username="muni-admin-1"), step=step
    )
    for name, address in addresses.items():
        api = api_for("pref-staff")
        with django_assert_num_queries(API_QUERIES[name]):
            assert api.get(address).status_code == 200
