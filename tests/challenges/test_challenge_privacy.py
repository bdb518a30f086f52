"""Privacy (issue #6: "the prefecture sees an issue only once the municipality shares or
escalates it"): the prefecture's DX推進課 and liaisons see none of あおば市's unshared
challenges — not in the list, not on the detail page, not in the API — and see them once
shared; the second prefecture sees nothing; members see every challenge of their organization
and 原課担当 change only their own department's."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from chiikidx.challenges import services

from ..plans.sample import department
from .sample import make_challenge

pytestmark = pytest.mark.django_db
AOBA = "992011"
PREFECTURE = ("pref-admin", "pref-staff", "liaison")
SECOND = ("t-pref-admin", "t-muni-admin-1")
MEMBERS = ("muni-admin-1", "muni-staff-1", "dept-staff-1", "executive-1")


def user(username):
    return get_user_model().objects.get(username=username)


def page_client(username):
    client = Client()
    client.force_login(user(username))
    return client


def api_client(username):
    client = APIClient()
    client.force_authenticate(user(username))
    return client


def listed(username) -> set[int]:
    page = page_client(username).get(reverse("challenges:home", args=[AOBA]))
    if page.status_code == 404:
        return set()
    return {int(pk) for pk in re.findall(r'id="challenge-(\d+)"', page.content.decode())}


def api_listed(username, **query) -> set[int]:
    found = api_client(username).get("/api/v1/challenges/", query).json()
    return {row["id"] for row in found["results"]}


def detail_status(username, challenge) -> int:
    address = reverse("challenges:challenge", args=[AOBA, challenge.pk])
    return page_client(username).get(address).status_code


def api_detail_status(username, challenge) -> int:
    return api_client(username).get(f"/api/v1/challenges/{challenge.pk}/").status_code


@pytest.fixture
def pair(org_coded):
    aoba = org_coded(AOBA)
    private = make_challenge(aoba, title="非公開の窓口の課題")
    shared = make_challenge(aoba, title="共有した課題", shared=True)
    return private, shared


@pytest.mark.parametrize("username", PREFECTURE)
def test_the_prefecture_sees_only_what_was_shared(username, pair):
    private, shared = pair
    assert listed(username) == {shared.pk}
    assert api_listed(username) == {shared.pk}
    assert api_listed(username, organization=AOBA, status="candidate") == {shared.pk}
    assert detail_status(username, private) == 404
    assert api_detail_status(username, private) == 404
    for name in ("challenge_edit", "challenge_share", "challenge_status"):
        address = reverse(f"challenges:{name}", args=[AOBA, private.pk])
        assert page_client(username).post(address).status_code == 404
    assert detail_status(username, shared) == 200
    assert api_detail_status(username, shared) == 200
    page = page_client(username).get(reverse("challenges:home", args=[AOBA]))
    assert "非公開の窓口の課題" not in page.content.decode()
    assert "県と共有した課題だけを表示しています" in page.content.decode()


@pytest.mark.parametrize("username", PREFECTURE)
def test_sharing_and_escalating_show_a_challenge_to_the_prefecture(username, pair):
    private, _shared = pair
    admin = user("muni-admin-1")
    services.escalate(acting_user=admin, challenge=private, note="県で様式をそろえたい")
    assert private.pk in listed(username) and private.pk in api_listed(username)
    assert detail_status(username, private) == 200
    services.withdraw_escalation(acting_user=admin, challenge=private)
    services.unshare(acting_user=admin, challenge=private)
    assert private.pk not in listed(username) and private.pk not in api_listed(username)
    assert detail_status(username, private) == 404


@pytest.mark.parametrize("username", SECOND)
def test_the_second_prefecture_sees_nothing(username, pair):
    private, shared = pair
    assert listed(username) == set()
    assert api_listed(username) == set()
    assert page_client(username).get(reverse("challenges:home", args=[AOBA])).status_code == 404
    for challenge in (private, shared):
        assert detail_status(username, challenge) == 404
        assert api_detail_status(username, challenge) == 404


def test_another_municipality_of_the_prefecture_sees_nothing(pair):
    _private, shared = pair
    assert api_listed("muni-admin-2") == set()
    assert detail_status("muni-admin-2", shared) == 404


@pytest.mark.parametrize("username", MEMBERS)
def test_members_see_every_challenge_of_their_organization(username, pair):
    private, shared = pair
    assert listed(username) == {private.pk, shared.pk}
    assert api_listed(username) == {private.pk, shared.pk}


def test_department_staff_change_only_their_own_department(org_coded):
    aoba = org_coded(AOBA)
    own = make_challenge(aoba, title="福祉課の課題", department=department(aoba, "福祉課"))
    other = make_challenge(aoba, title="住民課の課題", department=department(aoba, "住民課"))
    staff = api_client("dept-staff-1")
    done = staff.patch(f"/api/v1/challenges/{own.pk}/", {"urgency": 5}, format="json")
    assert done.status_code == 200 and done.json()["urgency"] == 5
    refused = staff.patch(f"/api/v1/challenges/{other.pk}/", {"urgency": 5}, format="json")
    assert refused.status_code == 403
    other.refresh_from_db()
    assert other.urgency == 3
