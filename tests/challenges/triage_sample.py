"""Challenges for the triage tests (scoring table, priority map, Excel): made through the
services by the organization's admin, in named departments."""

from django.test import Client

from chiikidx.challenges import services
from chiikidx.challenges.models import Challenge
from chiikidx.core.models import Department, Organization

from ..plans.sample import admin_of

AOBA = "992011"


def aoba() -> Organization:
    return Organization.objects.get(code=AOBA)


def department(org, name: str) -> Department:
    found = Department.objects.filter(organization=org, name=name).first()
    return found or Department.objects.create(organization=org, name=name)


def add(org=None, title="窓口の待ち時間が長い", *, dept="福祉課", user=None, **fields) -> Challenge:
    """A challenge of `org` (あおば市 by default) in department `dept` (None: no department)."""
    org = org or aoba()
    values = {"title": title, "field": "窓口"} | fields
    if dept is not None:
        values["department"] = department(org, dept)
    return services.create_challenge(acting_user=user or admin_of(org), organization=org, **values)


def scored(org=None, title="窓口の待ち時間が長い", b=4, d=2, u=3, **fields) -> Challenge:
    return add(org, title, benefit=b, difficulty=d, urgency=u, **fields)


def client_of(username: str) -> Client:
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    return client


def url(name: str, org_code: str = AOBA, **kwargs) -> str:
    from django.urls import reverse

    return reverse(f"challenges:{name}", kwargs={"lgcode": org_code, **kwargs})
