"""The challenges API: list and filters with the computed priority, creating (organization by
code, 原課担当 in their own department), partial updates with the rules of the form and the
import (分野, source, lengths), the status/share/escalate actions through the services, no
deletion, a pinned query count and the OpenAPI schema."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from chiikidx.challenges import services
from chiikidx.challenges.models import Challenge
from chiikidx.core.models import AuditEntry

from ..plans.sample import department
from .sample import make_challenge

pytestmark = pytest.mark.django_db
AOBA, WAKABA = "992011", "993018"
API = "/api/v1/challenges/"


def user(username):
    return get_user_model().objects.get(username=username)


def client_for(username):
    client = APIClient()
    client.force_authenticate(user(username))
    return client


def test_the_list_has_priority_quadrant_and_labels(org_coded):
    aoba = org_coded(AOBA)
    made = make_challenge(aoba, benefit=4, difficulty=2, urgency=3, field="窓口")
    unscored = make_challenge(aoba, title="未評価", benefit=None)
    rows = {r["id"]: r for r in client_for("muni-staff-1").get(API).json()["results"]}
    row = rows[made.pk]
    assert row["priority"] == "65.0" and row["quadrant_key"] == "quick"
    assert row["quadrant"] == "すぐやる(効果大・易しい)"
    assert (row["organization_code"], row["department_name"], row["status_label"]) == (
        AOBA,
        "福祉課",
        "候補",
    )
    assert row["next_statuses"] == ["adopted", "deferred"]
    assert rows[unscored.pk]["priority"] is None and rows[unscored.pk]["quadrant"] == ""


def test_priority_uses_each_organizations_weights(org_coded):
    aoba, wakaba = org_coded(AOBA), org_coded(WAKABA)
    services.save_settings(
        acting_user=user("muni-admin-1"), organization=aoba, weight_benefit=0, weight_ease=0
    )
    a = make_challenge(aoba, benefit=4, difficulty=2, urgency=3, shared=True)
    w = make_challenge(wakaba, benefit=4, difficulty=2, urgency=3, shared=True)
    rows = {r["id"]: r for r in client_for("pref-admin").get(API).json()["results"]}
    assert rows[a.pk]["priority"] == "50.0"  # 緊急性 alone: 100 × 2 ÷ 4
    assert rows[w.pk]["priority"] == "65.0"  # the default weights 2, 1, 2


def test_filters(org_coded):
    aoba = org_coded(AOBA)
    a = make_challenge(aoba, field="防災", scope="wide", timing="now")
    b = make_challenge(aoba, field="窓口", shared=True)
    services.escalate(acting_user=user("muni-admin-1"), challenge=b)
    services.set_status(acting_user=user("muni-admin-1"), challenge=a, status="adopted")
    admin = client_for("muni-admin-1")

    def ids(**query):
        return {r["id"] for r in admin.get(API, query).json()["results"]}

    assert ids(field="防災") == {a.pk}
    assert ids(status="adopted") == {a.pk}
    assert ids(scope="wide") == {a.pk, b.pk}  # escalating makes it 県・広域
    assert ids(timing="now") == {a.pk}
    assert ids(shared="true") == {b.pk} and ids(shared="false") == {a.pk}
    assert ids(escalated="true") == {b.pk}
    assert ids(organization=WAKABA) == set()


def test_the_list_has_a_pinned_query_count(org_coded, django_assert_num_queries):
    aoba, wakaba = org_coded(AOBA), org_coded(WAKABA)
    make_challenge(aoba, shared=True)
    admin = client_for("pref-admin")

    def count():
        admin.get(API)
        with CaptureQueriesContext(connection) as captured:
            assert admin.get(API).status_code == 200
        return len(captured)

    few = count()
    for i in range(15):
        make_challenge(wakaba if i % 2 else aoba, title=f"課題{i}", shared=True)
    # the count, the page (with organizations and departments) and the organizations' weights
    # (the forced user keeps its grants between requests)
    with django_assert_num_queries(few):
        found = admin.get(API).json()
    assert found["count"] == 16
    assert few == 3


def test_creating_names_the_organization_by_code(org_coded):
    admin = client_for("muni-admin-1")
    welfare = department(org_coded(AOBA), "福祉課")
    made = admin.post(
        API,
        {
            "organization_code": AOBA,
            "title": "防災メールの登録率が低い",
            "department": welfare.pk,
            "field": "防災",
            "benefit": 4,
            "difficulty": 2,
            "urgency": 5,
            "scope": "self",
            "timing": "now",
        },
        format="json",
    )
    assert made.status_code == 201, made.json()
    body = made.json()
    assert body["status"] == "candidate" and body["priority"] == "85.0"  # 100 × 17 ÷ 20
    found = Challenge.objects.get(pk=body["id"])
    assert found.created_by == user("muni-admin-1") and found.department == welfare
    unseen = admin.post(API, {"organization_code": "980005", "title": "x"}, format="json")
    assert unseen.status_code == 400 and "団体コード" in unseen.json()["detail"]
    bad = admin.post(API, {"organization_code": AOBA, "title": "x", "benefit": 9}, format="json")
    assert bad.status_code == 400
    other = department(org_coded(WAKABA))
    wrong = admin.post(
        API, {"organization_code": AOBA, "title": "x", "department": other.pk}, format="json"
    )
    assert wrong.status_code == 400 and "この団体の部署" in wrong.json()["detail"]


def test_the_api_checks_the_field_source_and_lengths_like_the_form(org_coded):
    aoba = org_coded(AOBA)
    admin = client_for("muni-admin-1")
    base = {"organization_code": AOBA, "title": "API の課題"}
    before = Challenge.objects.count()
    for extra, part in (
        ({"field": "宇宙"}, "分野の一覧にない分野です。"),
        ({"source_kind": "opinion"}, "出どころ「住民の意見」は"),
        ({"title": "あ" * 201}, None),  # the serializer's own limit
        ({"affected_count": 200_000_001}, None),
    ):
        refused = admin.post(API, base | extra, format="json")
        assert refused.status_code == 400, extra
        if part:
            assert part in refused.json()["detail"]
    assert Challenge.objects.count() == before
    # on update the 分野 it has stays allowed after it left the list; no other outside it
    challenge = make_challenge(aoba, field="窓口")
    services.save_settings(acting_user=user("muni-admin-1"), organization=aoba, fields=["防災"])
    address = f"{API}{challenge.pk}/"
    kept = admin.patch(address, {"field": "窓口", "title": "変えた名前"}, format="json")
    assert kept.status_code == 200 and kept.json()["field"] == "窓口"
    other = admin.patch(address, {"field": "福祉"}, format="json")
    assert other.status_code == 400 and "分野の一覧にない分野です。" in other.json()["detail"]
    assert admin.patch(address, {"field": "防災"}, format="json").json()["field"] == "防災"


def test_a_linked_source_is_kept_through_the_api(org_coded):
    from .dialogue_sample import make_record

    aoba = org_coded(AOBA)
    linked = make_challenge(aoba, source_kind="dialogue", source_record=make_record(aoba))
    admin = client_for("muni-admin-1")
    address = f"{API}{linked.pk}/"
    assert admin.patch(address, {"source_kind": "dialogue"}, format="json").status_code == 200
    refused = admin.patch(address, {"source_kind": "process"}, format="json")
    assert refused.status_code == 400 and "出どころ「業務プロセス」は" in refused.json()["detail"]


def test_department_staff_create_in_their_own_department_only(org_coded):
    aoba = org_coded(AOBA)
    staff = client_for("dept-staff-1")
    data = {"organization_code": AOBA, "title": "介護認定の紙の申請"}
    assert staff.post(API, data, format="json").status_code == 403
    residents = department(aoba, "住民課")
    assert staff.post(API, data | {"department": residents.pk}, format="json").status_code == 403
    welfare = department(aoba, "福祉課")
    assert staff.post(API, data | {"department": welfare.pk}, format="json").status_code == 201
    assert client_for("executive-1").post(API, data, format="json").status_code == 403


def test_partial_update_and_no_put_or_delete(org_coded):
    challenge = make_challenge(org_coded(AOBA))
    admin = client_for("muni-admin-1")
    address = f"{API}{challenge.pk}/"
    done = admin.patch(address, {"title": "新しい名前", "difficulty": None}, format="json")
    assert done.status_code == 200
    assert done.json()["title"] == "新しい名前" and done.json()["priority"] is None
    moved = admin.patch(address, {"organization_code": WAKABA}, format="json")
    assert moved.status_code == 400
    assert admin.put(address, {"title": "x"}, format="json").status_code == 405
    before = AuditEntry.objects.count()
    assert admin.delete(address).status_code == 405
    assert Challenge.objects.filter(pk=challenge.pk).exists()
    assert AuditEntry.objects.count() == before


def test_actions_go_through_the_services(org_coded):
    challenge = make_challenge(org_coded(AOBA))
    admin = client_for("muni-admin-1")
    address = f"{API}{challenge.pk}/"
    adopted = admin.post(address + "status/", {"status": "adopted"}, format="json")
    assert adopted.status_code == 200 and adopted.json()["status"] == "adopted"
    refused = admin.post(address + "status/", {"status": "resolved"}, format="json")
    assert refused.status_code == 400
    assert refused.json()["detail"] == "「解決」にする理由を入力してください。"
    measured = admin.post(address + "status/", {"status": "measured"}, format="json")
    assert measured.status_code == 400 and "計画の施策を作ると付きます" in measured.json()["detail"]
    shared = admin.post(address + "share/").json()
    assert shared["shared_at"] is not None
    escalated = admin.post(address + "escalate/", {"note": "県で共同調達したい"}, format="json")
    assert escalated.json()["escalation_note"] == "県で共同調達したい"
    assert escalated.json()["scope"] == "wide"
    again = admin.post(address + "escalate/", {}, format="json")  # no note: kept
    assert again.json()["escalation_note"] == "県で共同調達したい"
    long = admin.post(address + "escalate/", {"note": "あ" * 2001}, format="json")
    assert long.status_code == 400 and "2,000文字以内" in long.json()["detail"]
    cleared = admin.post(address + "escalate/", {"note": ""}, format="json")
    assert cleared.json()["escalation_note"] == ""
    stuck = admin.post(address + "unshare/")
    assert stuck.status_code == 400 and "上げるのをやめる" in stuck.json()["detail"]
    withdrawn = admin.post(address + "withdraw/").json()
    assert (withdrawn["escalated_at"], withdrawn["scope"]) == (None, "wide")
    assert admin.post(address + "unshare/").json()["shared_at"] is None


@pytest.mark.parametrize("username", ["executive-1", "liaison", "pref-admin"])
def test_who_may_not_change_gets_403(username, org_coded):
    challenge = make_challenge(org_coded(AOBA), shared=True)
    client = client_for(username)
    address = f"{API}{challenge.pk}/"
    before = AuditEntry.objects.count()
    assert client.patch(address, {"title": "x"}, format="json").status_code == 403
    for act in ("status", "share", "unshare", "escalate", "withdraw"):
        assert client.post(address + f"{act}/", {"status": "adopted"}).status_code == 403, act
    assert AuditEntry.objects.count() == before


def test_the_schema_describes_the_challenges(client):
    schema = client.get("/api/v1/schema/?format=json").json()
    assert "/api/v1/challenges/" in schema["paths"]
    assert "/api/v1/challenges/{id}/escalate/" in schema["paths"]
    fields = schema["components"]["schemas"]["Challenge"]["properties"]
    assert {"priority", "quadrant", "next_statuses", "shared_at"} <= set(fields)
