import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_token_then_me_lists_memberships(api):
    response = api.post(
        "/api/v1/auth/token/", {"username": "dept-staff-1", "password": "chiikidx-demo"}
    )
    assert response.status_code == 200, response.content
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    me = api.get("/api/v1/me/").json()
    assert me["username"] == "dept-staff-1"
    assert me["memberships"] == [
        {
            "organization_code": "992011",
            "organization_name": "あおば市",
            "role": "dept_staff",
            "department": "福祉課",
        }
    ]


def test_wrong_password_gets_no_token_and_a_japanese_message(api):
    response = api.post("/api/v1/auth/token/", {"username": "pref-admin", "password": "nope"})
    assert response.status_code == 400
    assert "認証" in str(response.json()) or "ログイン" in str(response.json())


def test_me_requires_authentication(api):
    assert api.get("/api/v1/me/").status_code in (401, 403)
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert api.get("/api/v1/me/").status_code == 401


def test_organizations_filter_by_prefecture_kind_and_search(api):
    tokyo_wards = api.get(
        "/api/v1/organizations/", {"prefecture": "13", "kind": "special_ward"}
    ).json()
    assert tokyo_wards["count"] == 23
    assert all(
        o["code"].startswith("13") and o["prefecture_code"] == "130001"
        for o in tokyo_wards["results"]
    )
    by_kana = api.get("/api/v1/organizations/", {"search": "さっぽろし"}).json()
    assert {o["code"] for o in by_kana["results"]} >= {"011002", "011011"}
    by_fullwidth_code = api.get("/api/v1/organizations/", {"search": "１３１０１"}).json()
    assert [o["name"] for o in by_fullwidth_code["results"]] == ["千代田区"]


def test_organization_detail_by_code(api):
    body = api.get("/api/v1/organizations/011011/").json()
    assert body["code"] == "011011" and body["parent_code"] == "011002" and body["kind"] == "ward"


def test_organization_list_query_count_is_fixed(api, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        api.get("/api/v1/organizations/", {"limit": 200})


def test_schema_and_docs_are_served_locally(api):
    schema = api.get("/api/v1/schema/")
    assert schema.status_code == 200 and b"/api/v1/me/" in schema.content
    docs = api.get("/api/v1/docs/")
    html = docs.content.decode()
    assert docs.status_code == 200 and "https://" not in html and "http://" not in html
    script = api.get("/api/v1/docs/?script=")
    assert script.status_code == 200 and b"SwaggerUIBundle" in script.content


def test_schema_is_generated_without_warnings_and_is_valid():
    """Every endpoint documents itself: a warning means a field or an answer drf-spectacular
    could only guess (an enum name collision, a method field without a type, …)."""
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.validation import validate_schema

    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert not GENERATOR_STATS, "drf-spectacular warned while generating the schema"
    validate_schema(schema)
    assert {
        "/api/v1/plan-dependencies/",
        "/api/v1/plan-dependencies/{id}/",
        "/api/v1/plan-baselines/",
        "/api/v1/plan-baselines/{id}/",
        "/api/v1/plans/{id}/compare/",
        "/api/v1/plans/{id}/schedule/",
        "/api/v1/plans/{id}/what-if/",
        "/api/v1/plans/{id}/slip/",
    } <= set(schema["paths"])


def _names(api, username, **params):
    from django.contrib.auth import get_user_model

    api.force_authenticate(get_user_model().objects.get(username=username))
    rows = api.get("/api/v1/departments/", {"limit": 1000, **params}).json()["results"]
    return {(row["organization_code"], row["name"]) for row in rows}


def test_departments_api_goes_through_the_access_module(api):
    from chiikidx.core.choices import Visibility
    from chiikidx.core.models import Department

    Department.objects.filter(organization__code="993018", name="企画課").update(
        visibility=Visibility.SHARED
    )
    aoba = _names(api, "muni-staff-1")
    assert {code for code, _ in aoba} == {"992011", "993018"}
    assert ("993018", "企画課") in aoba and ("993018", "総務課") not in aoba
    prefecture = _names(api, "pref-staff")
    assert {code for code, _ in prefecture} >= {"990001", "992011", "992020", "993018"}
    assert not any(code.startswith("98") for code, _ in prefecture)
    assert _names(api, "t-muni-admin-1", organization="992011") == set()


def test_department_of_another_prefecture_is_404_in_the_api(api):
    from django.contrib.auth import get_user_model

    from chiikidx.core.models import Department

    theirs = Department.objects.filter(organization__code="982016").first()
    api.force_authenticate(get_user_model().objects.get(username="muni-admin-1"))
    assert api.get(f"/api/v1/departments/{theirs.pk}/").status_code == 404
    api.force_authenticate(get_user_model().objects.get(username="t-muni-admin-1"))
    assert api.get(f"/api/v1/departments/{theirs.pk}/").json()["name"] == theirs.name


def test_department_list_query_count_is_fixed(api, django_assert_max_num_queries):
    from django.contrib.auth import get_user_model

    api.force_authenticate(get_user_model().objects.get(username="pref-admin"))
    with django_assert_max_num_queries(6):
        api.get("/api/v1/departments/", {"limit": 500})
