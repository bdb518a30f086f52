"""Pages render for their users, and their query counts are pinned so N+1 fails here."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chiikidx.core.models import Department

pytestmark = pytest.mark.django_db

PAGES = [
    ("/", 11),  # each app's 「自分の作業」 provider reads once (KPIs and review follow-ups)
    ("/tasks/", 11),
    ("/o/990001/", 14),
    ("/o/990001/departments/", 8),
    ("/o/990001/members/", 8),
    ("/o/990001/audit/", 16),  # + one query per related model named in the history
    ("/o/992011/", 13),
    ("/registry/", 10),
    ("/registry/?q=%E5%8C%97&kind=town", 10),
    ("/registry/990001/", 9),
]


@pytest.mark.parametrize(("url", "queries"), PAGES)
def test_query_count_is_pinned(client, user_named, django_assert_max_num_queries, url, queries):
    client.force_login(user_named("pref-admin"))
    client.get(url)
    with django_assert_max_num_queries(queries):
        assert client.get(url).status_code == 200


def test_department_list_does_not_grow_with_rows(client, user_named, org_coded):
    client.force_login(user_named("muni-admin-1"))
    client.get("/o/992011/departments/")
    with CaptureQueriesContext(connection) as few:
        client.get("/o/992011/departments/")
    org = org_coded("992011")
    Department.objects.bulk_create(
        Department(organization=org, name=f"臨時課{i}") for i in range(30)
    )
    with CaptureQueriesContext(connection) as many:
        client.get("/o/992011/departments/")
    assert len(many) == len(few) <= 8


def test_prefecture_home_lists_its_municipalities_for_prefecture_staff(client, user_named):
    client.force_login(user_named("pref-staff"))
    body = client.get("/o/990001/").content.decode()
    assert "管内の市町村(24)" in body and "さくら台市" in body
    client.force_login(user_named("liaison"))
    body = client.get("/o/990001/").content.decode()
    assert "管内の市町村" not in body  # liaisons see only their assigned municipalities


def test_liaison_switches_between_assigned_municipalities(client, user_named):
    client.force_login(user_named("liaison"))
    body = client.get("/").content.decode()
    for name in ["あおば市", "わかば町", "こもれび町", "ほたる村"]:
        assert name in body
    assert "さくら台市" not in body


def test_home_shows_wareki_date_and_fiscal_year(client, user_named):
    client.force_login(user_named("muni-staff-1"))
    body = client.get("/o/992011/").content.decode()
    assert "年度)" in body and "令和" in body


def test_tasks_ask_admin_to_register_departments(client, user_named, org_coded):
    org = org_coded("993026")  # こもれび町: no admin in demo; give it one without departments
    Department.objects.filter(organization=org).delete()
    from django.contrib.auth import get_user_model

    from chiikidx.core.models import Membership

    admin = get_user_model().objects.create_user("komorebi-admin", password="x-Very-Long-9")
    Membership.objects.create(user=admin, organization=org, role="muni_admin")
    client.force_login(admin)
    body = client.get("/tasks/").content.decode()
    assert "部署(原課)を登録してください" in body


def test_prefecture_admin_is_told_about_missing_populations(client, user_named, org_coded):
    org = org_coded("993026")
    org.population = None
    org.save()
    client.force_login(user_named("pref-admin"))
    body = client.get("/tasks/").content.decode()
    assert "人口が未登録の市町村が 1 団体あります" in body
