import os
import subprocess
import sys

import pytest
from django.test import Client

from chiikidx.core.demo import DEMO_USERS

pytestmark = pytest.mark.django_db


def test_login_locks_out_after_repeated_failures(client):
    statuses = [
        client.post("/login/", {"username": "muni-staff-2", "password": "wrong"}).status_code
        for _ in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]  # the fifth failure locks the account
    locked = client.post("/login/", {"username": "muni-staff-2", "password": "chiikidx-demo"})
    assert locked.status_code == 429
    assert "一時停止" in locked.content.decode()
    other_user = client.post("/login/", {"username": "muni-admin-2", "password": "chiikidx-demo"})
    assert other_user.status_code == 302


def test_wrong_password_message_is_japanese(client):
    response = client.post("/login/", {"username": "pref-staff", "password": "wrong"})
    assert "正しいユーザー名とパスワードを入力してください" in response.content.decode()


def test_login_form_requires_csrf_token():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "pref-admin", "password": "chiikidx-demo"})
    assert response.status_code == 403


def test_strict_content_security_policy_on_every_page(client):
    for url in ["/", "/login/", "/registry/", "/api/v1/", "/api/v1/docs/"]:
        policy = client.get(url)["Content-Security-Policy"]
        assert "script-src 'self';" in policy, url
        assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
        if url != "/api/v1/docs/":  # Swagger UI injects <style>; scripts stay strict
            assert "unsafe-inline" not in policy, url


def test_security_headers(client):
    response = client.get("/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"


def test_templates_contain_no_inline_script_handler_or_external_host():
    import re
    from pathlib import Path

    import chiikidx

    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
    handler = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
    external = re.compile(r"(src|href)=[\"']?(https?:)?//", re.IGNORECASE)
    root = Path(chiikidx.__file__).parent
    templates = list(root.rglob("*.html"))
    assert len(templates) > 10
    for path in templates:
        text = path.read_text()
        assert not inline_script.search(text), path
        assert not handler.search(text), path
        assert not external.search(text), path


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "CHIIKIDX_SECRET_KEY"}
    env.update({"CHIIKIDX_DEBUG": "0", "CHIIKIDX_HTTPS": "1", "CHIIKIDX_DATA_DIR": str(tmp_path)})
    result = subprocess.run(
        [sys.executable, "-m", "chiikidx.cli", "check"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "CHIIKIDX_SECRET_KEY" in result.stderr
    assert not (tmp_path / "secret_key").exists()


def test_production_settings_pass_check_deploy(tmp_path):
    env = {
        **os.environ,
        "CHIIKIDX_DEBUG": "0",
        "CHIIKIDX_HTTPS": "1",
        "CHIIKIDX_SECRET_KEY": "x9!" * 20 + "production-grade-secret-key-for-check",
        "CHIIKIDX_ALLOWED_HOSTS": "dx.pref.example.lg.jp",
        "CHIIKIDX_DATA_DIR": str(tmp_path),
    }
    command = [sys.executable, "-m", "chiikidx.cli", "check", "--deploy", "--fail-level", "WARNING"]
    before = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert before.returncode != 0 and "collectstatic" in before.stderr  # chiikidx.E001
    collect = [sys.executable, "-m", "chiikidx.cli", "collectstatic", "--noinput", "-v", "0"]
    subprocess.run(collect, env=env, check=True)
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_weak_password_is_refused_with_a_japanese_reason(client, user_named):
    client.force_login(user_named("muni-admin-1"))
    response = client.post(
        "/o/992011/members/new/",
        {
            "username": "new-staff",
            "last_name": "新人",
            "role": "muni_staff",
            "password": "12345678",
        },
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "このパスワードは短すぎます" in body or "短すぎ" in body
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(username="new-staff").exists()


def test_admin_creates_member_and_dept_staff_needs_department(client, user_named):
    client.force_login(user_named("muni-admin-1"))
    missing = client.post(
        "/o/992011/members/new/",
        {
            "username": "fukushi-2",
            "last_name": "福祉",
            "role": "dept_staff",
            "password": "kaname-9-Tsubasa",
        },
    )
    assert "原課担当には部署を選んでください" in missing.content.decode()
    from chiikidx.core.models import Department, Membership

    dept = Department.objects.get(organization__code="992011", name="福祉課")
    ok = client.post(
        "/o/992011/members/new/",
        {
            "username": "fukushi-2",
            "last_name": "福祉",
            "role": "dept_staff",
            "department": dept.pk,
            "password": "kaname-9-Tsubasa",
        },
    )
    assert ok.status_code == 302
    assert Membership.objects.get(user__username="fukushi-2").department == dept


def test_another_organizations_object_is_404_even_under_own_url(client, user_named):
    from chiikidx.core.models import Membership

    other = Membership.objects.filter(organization__code="993018").first()
    client.force_login(user_named("muni-admin-1"))
    assert client.post(f"/o/992011/members/{other.pk}/toggle/").status_code == 404
    other.refresh_from_db()
    assert other.is_active


def test_switcher_refuses_organizations_the_user_cannot_see(client, user_named):
    client.force_login(user_named("muni-staff-1"))
    response = client.post("/switch/", {"lgcode": "993018"})
    assert response.status_code == 302 and response["Location"] == "/"
    response = client.post("/switch/", {"lgcode": "992011"})
    assert response["Location"] == "/o/992011/"


@pytest.mark.parametrize("username", [user.username for user in DEMO_USERS])
def test_every_demo_login_works_with_the_demo_password(username):
    client = Client()
    response = client.post("/login/", {"username": username, "password": "chiikidx-demo"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
