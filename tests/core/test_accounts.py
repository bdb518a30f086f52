"""Account safety: password changes, API tokens, lockout paths and the last administrator."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from chiikidx.core import audit
from chiikidx.core.models import AuditEntry, Membership

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Sora-no-Iro-2026"


def test_password_change_is_audited_and_revokes_api_tokens(client, user_named):
    api = APIClient()
    token = api.post(
        "/api/v1/auth/token/", {"username": "muni-staff-1", "password": "chiikidx-demo"}
    )
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    assert api.get("/api/v1/me/").status_code == 200
    client.force_login(user_named("muni-staff-1"))
    response = client.post(
        "/account/password/",
        {
            "old_password": "chiikidx-demo",
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert api.get("/api/v1/me/").status_code == 401
    user = user_named("muni-staff-1")
    entries = AuditEntry.objects.filter(
        object_id=str(user.pk), model_label__in=["auth.User", "authtoken.Token"]
    )
    assert {(e.model_label, e.action) for e in entries} >= {
        ("auth.User", "update"),
        ("authtoken.Token", "create"),
        ("authtoken.Token", "delete"),
    }
    assert all(
        token.json()["token"] not in str(e.before) + str(e.after) + e.object_repr for e in entries
    )
    assert "pbkdf2" not in str([e.after for e in entries]) and "md5" not in str(
        [e.after for e in entries]
    )
    assert audit.verify_chain().intact


def test_wrong_current_password_counts_towards_lockout(client, user_named):
    client.force_login(user_named("muni-staff-2"))
    wrong = {"old_password": "guess", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    statuses = [client.post("/account/password/", wrong).status_code for _ in range(6)]
    assert statuses[:4] == [200] * 4 and statuses[-1] == 429
    right = dict(wrong, old_password="chiikidx-demo")
    assert client.post("/account/password/", right).status_code == 429


def test_token_endpoint_reports_lockout_in_japanese():
    api = APIClient()
    for _ in range(5):
        api.post("/api/v1/auth/token/", {"username": "muni-admin-2", "password": "wrong"})
    locked = api.post(
        "/api/v1/auth/token/", {"username": "muni-admin-2", "password": "chiikidx-demo"}
    )
    assert locked.status_code == 429
    assert "ロックされています" in locked.json()["detail"]


def test_last_administrator_cannot_be_deactivated(client, user_named):
    admin = Membership.objects.get(user__username="muni-admin-1")
    client.force_login(user_named("pref-admin"))
    response = client.post(f"/o/992011/members/{admin.pk}/toggle/", follow=True)
    assert "最後の管理者のため無効にできません" in response.content.decode()
    admin.refresh_from_db()
    assert admin.is_active


def test_administrator_cannot_deactivate_themselves(client, user_named):
    own = Membership.objects.get(user__username="muni-admin-1")
    client.force_login(user_named("muni-admin-1"))
    response = client.post(f"/o/992011/members/{own.pk}/toggle/", follow=True)
    assert "自分自身の所属は無効にできません" in response.content.decode()


def test_deactivating_staff_works_and_is_audited(client, user_named):
    staff = Membership.objects.get(user__username="muni-staff-1")
    client.force_login(user_named("muni-admin-1"))
    response = client.post(f"/o/992011/members/{staff.pk}/toggle/", follow=True)
    assert "muni-staff-1 の所属を無効にしました" in response.content.decode()
    entry = AuditEntry.objects.filter(
        model_label="core.Membership", object_id=str(staff.pk)
    ).first()
    assert entry.before == {"is_active": True} and entry.after == {"is_active": False}
    assert entry.actor_name == "muni-admin-1"


def test_initial_password_may_not_resemble_email(client, user_named):
    client.force_login(user_named("muni-admin-1"))
    response = client.post(
        "/o/992011/members/new/",
        {
            "username": "midori",
            "last_name": "緑",
            "email": "hanako.midori2031@example.jp",
            "role": "muni_staff",
            "password": "hanako.midori2031",
        },
    )
    assert response.status_code == 400
    assert "似すぎています" in response.content.decode()


def test_not_found_and_forbidden_pages_are_japanese(client, user_named):
    client.force_login(user_named("muni-staff-1"))
    not_found = client.get("/o/993018/")
    assert not_found.status_code == 404 and "ページが見つかりません" in not_found.content.decode()
    forbidden = client.get("/o/992011/members/")
    assert forbidden.status_code == 403 and "この操作はできません" in forbidden.content.decode()


def test_api_not_found_is_japanese_and_limit_is_capped():
    api = APIClient()
    missing = api.get("/api/v1/organizations/999999/")
    assert missing.status_code == 404 and "見つかりません" in missing.json()["detail"]
    many = api.get("/api/v1/organizations/", {"limit": 100000}).json()
    assert len(many["results"]) == 1000


def test_tokens_are_one_per_user():
    api = APIClient()
    first = api.post("/api/v1/auth/token/", {"username": "pref-staff", "password": "chiikidx-demo"})
    second = api.post(
        "/api/v1/auth/token/", {"username": "pref-staff", "password": "chiikidx-demo"}
    )
    assert first.json()["token"] == second.json()["token"]
    assert Token.objects.filter(user__username="pref-staff").count() == 1


def test_system_audit_log_shows_entries_of_every_organization(client, user_named):
    client.force_login(user_named("root"))
    body = client.get("/audit/").content.decode()
    assert "監査ログ(システム全体)" in body and "つばさ県" in body and "みらい県" in body


def test_token_endpoint_is_rate_limited(settings):
    api = APIClient()
    statuses = [
        api.post("/api/v1/auth/token/", {"username": f"guess{i}", "password": "x"}).status_code
        for i in range(31)
    ]
    assert statuses[:30] == [400] * 30 and statuses[30] == 429


@pytest.mark.parametrize(
    "body", ["[]", '"x"', "1", "null", '{"username": "a\\u0000b", "password": "x"}']
)
def test_token_endpoint_answers_odd_bodies_with_400(body):
    response = APIClient().post("/api/v1/auth/token/", body, content_type="application/json")
    assert response.status_code == 400


def test_token_messages_are_japanese():
    api = APIClient()
    response = api.post("/api/v1/auth/token/", {"username": ["a"], "password": 1}, format="json")
    assert "文字列で入力してください" in str(response.json())
    for _ in range(30):
        api.post("/api/v1/auth/token/", {"username": "x", "password": "y"})
    throttled = api.post("/api/v1/auth/token/", {"username": "x", "password": "y"})
    assert throttled.status_code == 429 and "試行が多すぎます" in throttled.json()["detail"]
    assert "Expected" not in throttled.json()["detail"]


def test_successful_token_login_clears_earlier_failures():
    api = APIClient()
    for _ in range(4):
        api.post("/api/v1/auth/token/", {"username": "muni-staff-2", "password": "wrong"})
    assert (
        api.post(
            "/api/v1/auth/token/", {"username": "muni-staff-2", "password": "chiikidx-demo"}
        ).status_code
        == 200
    )
    assert (
        api.post(
            "/api/v1/auth/token/", {"username": "muni-staff-2", "password": "wrong"}
        ).status_code
        == 400
    )
