"""The assessments API: same validation and workflow as the browser, through the access module."""

import pytest
from rest_framework.test import APIClient

from chiikidx.assessments.models import Response

from .conftest import FULL_ANSWERS

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def as_user(api, user_named, username):
    api.force_authenticate(user_named(username))
    return api


def test_answer_submit_review_through_the_api(api, sample_round, user_named):
    response = Response.objects.get(round=sample_round, organization__code="992011")
    url = f"/api/v1/assessment-responses/{response.pk}/"
    staff = as_user(api, user_named, "muni-staff-1")
    bad = staff.post(url + "answers/", {"answers": {"L1": "９", "P1": "４５"}}, format="json")
    assert bad.status_code == 400
    assert bad.json()["errors"] == {"L1": "成熟度は 0〜4 の数字で入力してください。"}
    assert staff.get(url).json()["answers"] == {}  # nothing saved
    ok = staff.post(url + "answers/", {"answers": FULL_ANSWERS}, format="json")
    assert ok.status_code == 200 and ok.json()["answers"]["P1"] == "45"
    submitted = staff.post(url + "submit/", format="json").json()
    assert submitted["status"] == "submitted" and submitted["overall_score"] == "67.50"
    assert staff.post(url + "review/", {"decision": "accept"}, format="json").status_code == 403
    pref = as_user(APIClient(), user_named, "pref-staff")
    reviewed = pref.post(url + "review/", {"decision": "accept"}, format="json").json()
    assert reviewed["status"] == "accepted" and reviewed["scores"]["a"] == "65.00"


def test_submit_reports_missing_answers(api, sample_round, user_named):
    response = Response.objects.get(round=sample_round, organization__code="992011")
    staff = as_user(api, user_named, "muni-staff-1")
    result = staff.post(f"/api/v1/assessment-responses/{response.pk}/submit/", format="json")
    assert result.status_code == 400
    assert set(result.json()["errors"]) == {"L1", "Y1", "S1", "P1", "N1"}


def test_responses_are_listed_only_where_visible(api, sample_round, user_named):
    codes = {
        r["organization_code"]
        for r in as_user(api, user_named, "muni-staff-2")
        .get("/api/v1/assessment-responses/", {"limit": 500})
        .json()["results"]
    }
    assert codes == {"993018"}
    liaison = {
        r["organization_code"]
        for r in as_user(APIClient(), user_named, "liaison")
        .get("/api/v1/assessment-responses/", {"round": sample_round.pk})
        .json()["results"]
    }
    assert liaison == {"992011", "993018", "993026", "994014"}


def test_framework_definition_is_shared_with_the_prefectures_municipalities(
    api, sample_version, user_named
):
    framework = sample_version.framework
    url = f"/api/v1/assessment-frameworks/{framework.pk}/versions/1/definition/"
    body = as_user(api, user_named, "dept-staff-1").get(url).json()
    assert body["definition"]["code"] == "sample"
    assert [d["code"] for d in body["definition"]["dimensions"]] == ["a", "b"]
    assert as_user(APIClient(), user_named, "t-muni-admin-1").get(url).status_code == 404


def test_response_list_query_count_is_fixed(
    api, sample_round, user_named, django_assert_max_num_queries
):
    as_user(api, user_named, "pref-admin")
    with django_assert_max_num_queries(8):
        api.get("/api/v1/assessment-responses/", {"limit": 100})
