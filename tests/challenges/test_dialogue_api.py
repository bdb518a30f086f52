"""API of dialogue records and opinions: the access module, the same checks and messages as the
pages, the 原課担当's own department, the OpenAPI schema and pinned query counts."""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from chiikidx.challenges import services as challenge_services
from chiikidx.challenges.dialogue import services
from chiikidx.challenges.models import DialogueRecord

from ..plans.sample import department
from .dialogue_sample import add_opinion, make_record

pytestmark = pytest.mark.django_db

AOBA, WAKABA = "992011", "993018"
RECORDS, OPINIONS = "/api/v1/dialogue-records/", "/api/v1/dialogue-opinions/"


def user(username):
    return get_user_model().objects.get(username=username)


def api_for(username):
    api = APIClient()
    api.force_authenticate(user(username))
    return api


@pytest.fixture
def record(org_coded):
    found = make_record(org_coded(AOBA), title="福祉課アンケート")
    add_opinion(found, text="窓口が混む。土日も開けて。", age_band="30代", area="北地区")
    add_opinion(found, text="バスが少ない", age_band="70代以上", area="南地区")
    return found


def test_records_are_listed_to_those_who_see_the_organization(record, org_coded):
    make_record(org_coded(WAKABA), title="わかば町の記録")
    body = api_for("pref-staff").get(RECORDS, {"organization": AOBA}).json()
    assert [r["title"] for r in body["results"]] == ["福祉課アンケート"]
    found = body["results"][0]
    assert (found["kind"], found["kind_label"], found["held_on"]) == (
        "survey",
        "住民アンケート",
        "2025-06-10",
    )
    assert (found["department_name"], found["opinion_count"], found["challenge_count"]) == (
        "福祉課",
        2,
        0,
    )
    titles = [r["title"] for r in api_for("muni-admin-2").get(RECORDS).json()["results"]]
    assert titles == ["わかば町の記録"]
    assert api_for("muni-admin-2").get(f"{RECORDS}{record.pk}/").status_code == 404
    assert APIClient().get(RECORDS).status_code in (401, 403)


def test_filters_by_kind_year_and_words(record, org_coded):
    make_record(org_coded(AOBA), kind="hearing", title="住民課ヒアリング", notes="転入が混む")
    api = api_for("muni-admin-1")

    def titles(**query):
        return sorted(r["title"] for r in api.get(RECORDS, query).json()["results"])

    assert titles(kind="hearing") == ["住民課ヒアリング"]
    assert titles(fiscal_year=2025) == ["住民課ヒアリング", "福祉課アンケート"]
    assert titles(fiscal_year=2024) == []
    assert titles(q="転入") == ["住民課ヒアリング"]


def test_retrieve_shows_attachments_and_the_challenges_the_user_sees(record):
    admin = user("muni-admin-1")
    services.attach_file(
        acting_user=admin, record=record, upload=SimpleUploadedFile("memo.pdf", b"%PDF-1.4")
    )
    made = services.challenge_from_record(acting_user=admin, record=record)
    body = api_for("muni-staff-1").get(f"{RECORDS}{record.pk}/").json()
    (attachment,) = body["attachments"]
    assert attachment["name"] == "memo.pdf" and attachment["size"] == 8
    assert attachment["download_url"] == reverse(
        "challenges:dialogue_attachment", args=[AOBA, record.pk, attachment["id"]]
    )
    assert body["challenge_count"] == 1
    assert api_for("pref-staff").get(f"{RECORDS}{record.pk}/").json()["challenge_count"] == 0
    challenge_services.share(acting_user=admin, challenge=made)
    assert api_for("pref-staff").get(f"{RECORDS}{record.pk}/").json()["challenge_count"] == 1


def test_create_and_change_through_the_services(org_coded):
    staff = api_for("muni-staff-1")
    welfare = department(org_coded(AOBA), "福祉課")
    created = staff.post(
        RECORDS,
        {
            "organization_code": AOBA,
            "kind": "roleplay",
            "title": "転入手続のウォークスルー",
            "held_on": "令和7年9月1日",
            "department": welfare.pk,
            "participants": "住民課 2名",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["organization_code"], body["held_on"], body["department"]) == (
        AOBA,
        "2025-09-01",
        welfare.pk,
    )
    record = DialogueRecord.objects.get(pk=body["id"])
    assert record.created_by.username == "muni-staff-1"
    changed = staff.patch(f"{RECORDS}{record.pk}/", {"notes": "1時間40分かかった"}, format="json")
    assert changed.status_code == 200 and changed.json()["notes"] == "1時間40分かかった"
    assert changed.json()["title"] == "転入手続のウォークスルー"  # untouched


@pytest.mark.parametrize(
    ("posted", "form"),
    [
        (
            {"held_on": "2025-06-10", "held_until": "2025-06-01"},
            {"held_on": "令和7年6月10日", "held_until": "令和7年6月1日"},
        ),
        ({"notes": "あ" * 20001}, {"notes": "あ" * 20001}),
        ({"title": "  "}, None),
        ({"kind": "meeting"}, None),
    ],
)
def test_the_api_refuses_what_the_page_refuses_with_the_same_message(record, posted, form):
    """The service decides for both (the page's form leaves lengths and dates' order to it)."""
    response = api_for("muni-admin-1").patch(f"{RECORDS}{record.pk}/", posted, format="json")
    assert response.status_code == 400
    message = response.json()["detail"]
    try:
        services.update_record(acting_user=user("muni-admin-1"), record=record, **_values(posted))
    except services.ServiceError as refused:
        assert str(refused) == message
    else:
        pytest.fail("the service accepted what the API refused")
    if form is not None:
        client = Client()
        client.force_login(user("muni-admin-1"))
        data = {"kind": "survey", "title": "福祉課アンケート", "held_on": "令和7年6月10日"}
        page = client.post(reverse("challenges:dialogue_edit", args=[AOBA, record.pk]), data | form)
        assert page.status_code == 400
        assert message in page.content.decode()


def _values(posted):
    import datetime

    values = dict(posted)
    for name in ("held_on", "held_until"):
        if name in values:
            values[name] = datetime.date.fromisoformat(values[name])
    return values


def test_creating_needs_the_right_and_a_visible_organization(org_coded):
    data = {"kind": "hearing", "title": "ヒアリング", "held_on": "2025-06-10"}
    unseen = api_for("muni-admin-2").post(RECORDS, data | {"organization_code": AOBA})
    assert unseen.status_code == 400
    assert unseen.json()["detail"].startswith("organization_code に、見られる団体の団体コード")
    assert (
        api_for("executive-1").post(RECORDS, data | {"organization_code": AOBA}).status_code == 403
    )
    assert (
        api_for("pref-staff").post(RECORDS, data | {"organization_code": AOBA}).status_code == 403
    )
    # A 原課担当: their own department only.
    staff = api_for("dept-staff-1")
    aoba = org_coded(AOBA)
    other = data | {"organization_code": AOBA, "department": department(aoba, "住民課").pk}
    assert staff.post(RECORDS, other).status_code == 403
    assert staff.post(RECORDS, data | {"organization_code": AOBA}).status_code == 403
    own = data | {"organization_code": AOBA, "department": department(aoba, "福祉課").pk}
    created = staff.post(RECORDS, own)
    assert created.status_code == 201
    moved = staff.patch(
        f"{RECORDS}{created.json()['id']}/", {"department": department(aoba, "住民課").pk}
    )
    assert moved.status_code == 400
    assert DialogueRecord.objects.get(pk=created.json()["id"]).department.name == "福祉課"


def test_opinions_by_record_and_their_challenge(record):
    opinion = record.opinions.order_by("number").first()
    made = services.challenge_from_opinion(acting_user=user("muni-admin-1"), opinion=opinion)
    rows = api_for("muni-staff-1").get(OPINIONS, {"record": record.pk}).json()["results"]
    assert [(o["number"], o["age_band"], o["area"], o["challenge"]) for o in rows] == [
        (1, "30代", "北地区", made.pk),
        (2, "70代以上", "南地区", None),
    ]
    # The prefecture does not learn of an unshared challenge.
    rows = api_for("pref-staff").get(OPINIONS, {"record": record.pk}).json()["results"]
    assert [o["challenge"] for o in rows] == [None, None]
    found = api_for("muni-staff-1").get(f"{OPINIONS}{opinion.pk}/").json()
    assert found["text"] == "窓口が混む。土日も開けて。" and found["organization_code"] == AOBA
    assert api_for("muni-admin-2").get(f"{OPINIONS}{opinion.pk}/").status_code == 404
    assert api_for("muni-admin-1").get(OPINIONS, {"age_band": "70代以上"}).json()["count"] == 1


def test_adding_an_opinion_like_the_page(record):
    staff = api_for("muni-staff-1")
    created = staff.post(
        OPINIONS,
        {"record": record.pk, "text": "ごみの日を知らせて", "attributes": {"回答方法": "Web"}},
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert (created.json()["number"], created.json()["attributes"]) == (3, {"回答方法": "Web"})
    refused = staff.post(OPINIONS, {"record": record.pk, "text": " "}, format="json")
    assert (
        refused.status_code == 400 and refused.json()["detail"] == "意見の内容を入力してください。"
    )
    taken = staff.post(OPINIONS, {"record": record.pk, "text": "x", "number": 1}, format="json")
    assert taken.json()["detail"].startswith("番号1の意見はすでにあります")
    named = staff.post(
        OPINIONS,
        {"record": record.pk, "text": "x", "attributes": {"お名前": "青葉"}},
        format="json",
    )
    assert named.status_code == 400
    assert named.json()["detail"].startswith("「お名前」のような、個人を特定できる項目は")
    assert (
        api_for("executive-1").post(OPINIONS, {"record": record.pk, "text": "x"}).status_code == 403
    )
    assert (
        api_for("muni-admin-2").post(OPINIONS, {"record": record.pk, "text": "x"}).status_code
        == 404
    )


def test_schema_lists_the_dialogue_endpoints():
    paths = APIClient().get("/api/v1/schema/?format=json").json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/dialogue-records/"])
    assert {"get", "put", "patch"} <= set(paths["/api/v1/dialogue-records/{id}/"])
    assert "delete" not in paths["/api/v1/dialogue-records/{id}/"]
    assert {"get", "post"} <= set(paths["/api/v1/dialogue-opinions/"])
    detail = set(paths["/api/v1/dialogue-opinions/{id}/"])
    assert "get" in detail and not {"post", "put", "patch", "delete"} & detail


def test_lists_have_pinned_query_counts(record, org_coded):
    api = api_for("muni-admin-1")

    def count(address, query):
        api.get(address, query)
        with CaptureQueriesContext(connection) as captured:
            assert api.get(address, query).status_code == 200
        return len(captured)

    few = (count(RECORDS, {}), count(OPINIONS, {"record": record.pk}))
    for i in range(6):
        more = make_record(org_coded(AOBA), title=f"記録{i}")
        services.attach_file(
            acting_user=user("muni-admin-1"),
            record=more,
            upload=SimpleUploadedFile("a.pdf", b"%PDF"),
        )
    for i in range(10):
        opinion = add_opinion(record, text=f"意見{i}")
        services.challenge_from_opinion(acting_user=user("muni-admin-1"), opinion=opinion)
    assert (count(RECORDS, {}), count(OPINIONS, {"record": record.pk})) == few
