"""Organization admins manage members, departments and (in a prefecture) liaison duties."""

import datetime

import pytest
from django.contrib.auth import get_user_model

from chiikidx.core import access
from chiikidx.core.models import AuditEntry, Department, LiaisonAssignment, Membership

pytestmark = pytest.mark.django_db


def post_assignment(client, user_named, **fields):
    """The prefecture admin submits the liaison form (liaison → さくら台市 unless overridden)."""
    client.force_login(user_named("pref-admin"))
    data = {"user": user_named("liaison").pk, "municipality": "992020", "start_date": "2025-04-01"}
    return client.post("/o/990001/liaisons/", data | fields)


def membership(username, code=None):
    qs = Membership.objects.filter(user__username=username)
    return qs.get(organization__code=code) if code else qs.get()


def test_duplicate_department_names_are_refused_in_japanese(client, user_named):
    client.force_login(user_named("muni-admin-1"))
    response = client.post("/o/992011/departments/new/", {"name": "ＤＸ推進室", "sort_order": 1})
    assert response.status_code == 400
    assert "「DX推進室」はすでに登録されています" in response.content.decode()
    assert Department.objects.filter(organization__code="992011", name="DX推進室").count() == 1


def test_admin_changes_role_and_department_of_a_member(client, user_named):
    member = membership("muni-staff-1")
    tax = Department.objects.get(organization__code="992011", name="税務課")
    client.force_login(user_named("muni-admin-1"))
    response = client.post(
        f"/o/992011/members/{member.pk}/",
        {
            "last_name": "青葉",
            "first_name": "花子",
            "email": "",
            "role": "dept_staff",
            "department": tax.pk,
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.role, member.department) == ("dept_staff", tax)
    entry = AuditEntry.objects.filter(
        model_label="core.Membership", object_id=str(member.pk)
    ).first()
    assert entry.after == {"role": "dept_staff", "department_id": tax.pk}


def test_last_admin_cannot_be_demoted(client, user_named):
    admin = membership("muni-admin-1")
    client.force_login(user_named("pref-admin"))
    response = client.post(
        f"/o/992011/members/{admin.pk}/",
        {
            "last_name": "青葉",
            "first_name": "一郎",
            "email": "",
            "role": "muni_staff",
        },
    )
    assert response.status_code == 400
    assert "最後の管理者のため役割を変更できません" in response.content.decode()
    admin.refresh_from_db()
    assert admin.role == "muni_admin"


def test_admin_resets_password_and_lifts_lockout(client, user_named):
    for _ in range(5):
        client.post("/login/", {"username": "muni-staff-1", "password": "wrong"})
    assert client.post("/login/", {"username": "muni-staff-1", "password": "x"}).status_code == 429
    member = membership("muni-staff-1")
    admin_client = client.__class__()
    admin_client.force_login(user_named("muni-admin-1"))
    new = "Aoba-Sakura-2031"
    response = admin_client.post(
        f"/o/992011/members/{member.pk}/password/", {"new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    assert client.post("/login/", {"username": "muni-staff-1", "password": new}).status_code == 302
    entry = AuditEntry.objects.filter(
        model_label="auth.User", object_id=str(member.user_id)
    ).first()
    assert entry.actor_name == "muni-admin-1" and "再設定" in entry.after["password"]


def test_municipal_admin_cannot_take_over_an_account_with_other_memberships(
    client, user_named, org_coded
):
    pref_officer = user_named("pref-staff")
    Membership.objects.create(
        user=pref_officer, organization=org_coded("992011"), role="muni_staff"
    )
    shared = membership("pref-staff", "992011")
    client.force_login(user_named("muni-admin-1"))
    new = "Take-Over-Attempt-77"
    response = client.post(
        f"/o/992011/members/{shared.pk}/password/", {"new_password1": new, "new_password2": new}
    )
    assert response.status_code == 400
    assert "他の団体にも所属しているため" in response.content.decode()
    assert not get_user_model().objects.get(pk=pref_officer.pk).check_password(new)


def test_prefecture_admin_assigns_and_ends_a_liaison(client, user_named):
    client.force_login(user_named("pref-admin"))
    page = client.get("/o/990001/liaisons/")
    assert page.status_code == 200 and "ほたる村" in page.content.decode()
    liaison = user_named("liaison")
    sakura = "992020"
    response = client.post(
        "/o/990001/liaisons/",
        {
            "user": liaison.pk,
            "municipality": sakura,
            "start_date": "令和７年１０月１日",  # 和暦 and 全角 digits are accepted
            "note": "研修フォロー",
        },
    )
    assert response.status_code == 302, response.content.decode()
    assignment = LiaisonAssignment.objects.get(user=liaison, municipality__code=sakura)
    assert assignment.start_date == datetime.date(2025, 10, 1)
    access.forget(liaison)
    assert access.can(liaison, "view", assignment.municipality)
    client.post(f"/o/990001/liaisons/{assignment.pk}/end/")
    assignment.refresh_from_db()
    assert assignment.end_date is not None


def test_liaison_form_explains_bad_dates(client, user_named):
    response = post_assignment(client, user_named, start_date="令和7年4月1日", end_date="R7.3.1")
    assert response.status_code == 400
    assert "終了日は開始日以降の日付にしてください" in response.content.decode()
    response = post_assignment(client, user_named, start_date="そのうち")
    assert "日付として読めません" in response.content.decode()


def test_liaison_choices_are_only_this_prefectures_municipalities(client, user_named):
    response = post_assignment(client, user_named, municipality="982016")
    assert response.status_code == 400
    assert not LiaisonAssignment.objects.filter(
        municipality__code="982016", user__username="liaison"
    ).exists()


def test_audit_history_reads_as_names_and_labels(client, user_named):
    member = membership("muni-staff-1")
    tax = Department.objects.get(organization__code="992011", name="税務課")
    client.force_login(user_named("muni-admin-1"))
    client.post(
        f"/o/992011/members/{member.pk}/",
        {
            "last_name": "青葉",
            "first_name": "花子",
            "role": "dept_staff",
            "department": tax.pk,
        },
    )
    body = client.get(f"/o/992011/audit/core.Membership/{member.pk}/").content.decode()
    assert "<del>市町村DX推進担当</del> → <ins>原課担当</ins>" in body
    assert "<del>DX推進室</del> → <ins>税務課</ins>" in body
    assert "<ins>はい</ins>" in body  # 有効 on creation, not "True"


def test_a_future_assignment_is_withdrawn_rather_than_ended(client, user_named, org_coded):
    future = LiaisonAssignment.objects.create(
        user=user_named("liaison"),
        municipality=org_coded("992020"),
        start_date=datetime.date.today() + datetime.timedelta(days=10),
    )
    client.force_login(user_named("pref-admin"))
    response = client.post(f"/o/990001/liaisons/{future.pk}/end/", follow=True)
    assert "開始前の担当を取り消しました" in response.content.decode()
    assert not LiaisonAssignment.objects.filter(pk=future.pk).exists()
    assert AuditEntry.objects.filter(
        model_label="core.LiaisonAssignment", object_id=str(future.pk), action="delete"
    ).exists()


def test_audit_dates_read_in_wareki(client, user_named):
    client.force_login(user_named("pref-admin"))
    body = client.get("/o/990001/audit/?model=core.LiaisonAssignment").content.decode()
    assert "<ins>令和7年4月1日</ins>" in body


def test_an_ended_assignment_cannot_be_reopened(client, user_named, org_coded):
    ended = LiaisonAssignment.objects.create(
        user=user_named("liaison"),
        municipality=org_coded("992020"),
        start_date=datetime.date(2025, 4, 1),
        end_date=datetime.date(2025, 9, 30),
    )
    client.force_login(user_named("pref-admin"))
    response = client.post(f"/o/990001/liaisons/{ended.pk}/end/", follow=True)
    assert "この担当はすでに終了しています" in response.content.decode()
    ended.refresh_from_db()
    assert ended.end_date == datetime.date(2025, 9, 30)


def test_dates_outside_the_wareki_range_are_refused(client, user_named):
    response = post_assignment(client, user_named, start_date="1800-04-01")
    assert response.status_code == 400
    assert "明治元年(1868年)から2100年までの日付を入力してください" in response.content.decode()


def test_admins_reset_their_own_password_only_through_password_change(client, user_named):
    own = membership("muni-admin-1")
    client.force_login(user_named("muni-admin-1"))
    new = "Own-Reset-Attempt-31"
    response = client.post(
        f"/o/992011/members/{own.pk}/password/", {"new_password1": new, "new_password2": new}
    )
    assert "「パスワード変更」から変更してください" in response.content.decode()
    assert not user_named("muni-admin-1").check_password(new)


def test_inactive_memberships_elsewhere_still_protect_the_account(client, user_named, org_coded):
    officer = user_named("pref-staff")
    Membership.objects.create(user=officer, organization=org_coded("992011"), role="muni_staff")
    Membership.objects.filter(user=officer, organization__code="990001").update(is_active=False)
    shared = membership("pref-staff", "992011")
    client.force_login(user_named("muni-admin-1"))
    new = "Dormant-Takeover-55"
    client.post(
        f"/o/992011/members/{shared.pk}/password/", {"new_password1": new, "new_password2": new}
    )
    assert not user_named("pref-staff").check_password(new)


def test_system_administrator_accounts_are_refused_with_their_own_reason(
    client, user_named, org_coded
):
    root = user_named("root")
    Membership.objects.create(user=root, organization=org_coded("992011"), role="muni_staff")
    client.force_login(user_named("muni-admin-1"))
    new = "Root-Takeover-Try-66"
    response = client.post(
        f"/o/992011/members/{membership('root').pk}/password/",
        {"new_password1": new, "new_password2": new},
    )
    assert "システム管理者のアカウントは変更できません" in response.content.decode()


def test_empty_post_shows_the_form_errors(client, user_named):
    client.force_login(user_named("muni-admin-1"))
    response = client.post("/o/992011/members/new/", {})
    assert response.status_code == 400 and "この項目は必須です" in response.content.decode()


def test_liaison_without_active_membership_is_shown_as_invalid(client, user_named):
    Membership.objects.filter(user__username="liaison").update(is_active=False)
    client.force_login(user_named("pref-admin"))
    body = client.get("/o/990001/liaisons/").content.decode()
    assert "無効(リエゾンの所属が無効)" in body and "担当中" not in body


def test_odd_query_values_do_not_break_the_audit_log(client, user_named):
    client.force_login(user_named("muni-admin-1"))
    for query in ["before=%C2%B2", "before=abc", "before=-1", "model=%3Cscript%3E", "model=a%00b"]:
        assert client.get(f"/o/992011/audit/?{query}").status_code == 200, query
    assert client.get("/o/992011/audit/core.Membership/a%00b/").status_code == 404
