"""The audit log keeps a municipality's unshared 課題 from the prefecture too: the prefecture's
admin may read the municipality's log (org "audit"), but not the entries of challenges it was
not shown; once shared, their history is readable."""

import pytest
from django.test import Client

from chiikidx.challenges import services

from .sample import make_challenge

pytestmark = pytest.mark.django_db

AOBA = "992011"
LABEL = "challenges.Challenge"


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def test_unshared_challenges_are_not_in_the_prefectures_view_of_the_log(org_coded, user_named):
    org = org_coded(AOBA)
    secret = make_challenge(org, title="非公開の課題のタイトル")
    shared = make_challenge(org, title="共有した課題のタイトル", shared=True)
    log = f"/o/{AOBA}/audit/?model={LABEL}"
    prefecture = client_for(user_named("pref-admin")).get(log).content.decode()
    assert "共有した課題のタイトル" in prefecture and "非公開の課題のタイトル" not in prefecture
    member = client_for(user_named("muni-admin-1")).get(log).content.decode()
    assert "共有した課題のタイトル" in member and "非公開の課題のタイトル" in member
    pref = client_for(user_named("pref-admin"))
    assert pref.get(f"/o/{AOBA}/audit/{LABEL}/{secret.pk}/").status_code == 404
    assert pref.get(f"/o/{AOBA}/audit/{LABEL}/{shared.pk}/").status_code == 200
    services.share(acting_user=user_named("muni-admin-1"), challenge=secret)
    assert pref.get(f"/o/{AOBA}/audit/{LABEL}/{secret.pk}/").status_code == 200
