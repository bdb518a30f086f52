import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chiikidx.core import audit, services
from chiikidx.core.audit import AuditImmutableError
from chiikidx.core.models import AuditEntry, Department

pytestmark = pytest.mark.django_db


def latest(model_label, object_id):
    return AuditEntry.objects.filter(model_label=model_label, object_id=str(object_id)).order_by(
        "seq"
    )


def test_create_update_delete_are_recorded_with_actor_and_values(user_named, org_coded):
    admin, org = user_named("muni-admin-1"), org_coded("992011")
    dept = services.create_department(acting_user=admin, organization=org, name="情報政策課")
    with audit.acting_as(admin):
        dept.name = "デジタル政策課"
        dept.save()
        dept_id = dept.pk
        dept.delete()
    create, update, delete = latest("core.Department", dept_id)
    assert (create.action, update.action, delete.action) == ("create", "update", "delete")
    assert create.after["name"] == "情報政策課" and create.before is None
    assert update.before == {"name": "情報政策課"} and update.after == {"name": "デジタル政策課"}
    assert delete.before["name"] == "デジタル政策課" and delete.after is None
    assert {e.actor_name for e in (create, update, delete)} == {"muni-admin-1"}
    assert create.organization_id == org.pk


def test_saving_without_change_records_nothing(org_coded):
    dept = Department.objects.filter(organization=org_coded("992011")).first()
    before = AuditEntry.objects.count()
    dept.save()
    assert AuditEntry.objects.count() == before


def test_page_writes_record_the_logged_in_user(client, user_named, org_coded):
    client.force_login(user_named("muni-admin-1"))
    response = client.post(
        "/o/992011/departments/new/", {"name": "広報課", "kana": "", "sort_order": 3}
    )
    assert response.status_code == 302
    dept = Department.objects.get(organization=org_coded("992011"), name="広報課")
    assert latest("core.Department", dept.pk).get().actor_name == "muni-admin-1"
    assert dept.created_by.username == "muni-admin-1"


def test_entries_cannot_be_changed_or_deleted_through_the_orm():
    entry = AuditEntry.objects.order_by("seq").first()
    entry.object_repr = "書き換え"
    with pytest.raises(AuditImmutableError):
        entry.save()
    with pytest.raises(AuditImmutableError):
        entry.delete()


def test_chain_is_intact_after_normal_use(user_named, org_coded):
    services.create_department(
        acting_user=user_named("pref-admin"), organization=org_coded("990001"), name="監査課"
    )
    report = audit.verify_chain()
    assert report.intact and report.checked == AuditEntry.objects.count()


def test_tampered_content_is_detected_at_its_entry():
    victim = AuditEntry.objects.order_by("seq")[5]
    AuditEntry.objects.filter(pk=victim.pk).update(after={"name": "改ざん"})
    report = audit.verify_chain()
    assert not report.intact
    assert report.broken_seq == victim.seq
    assert "改ざん" in report.reason


def test_removed_entry_is_detected_as_a_gap():
    victim = AuditEntry.objects.order_by("seq")[10]
    AuditEntry.objects.filter(pk=victim.pk)._raw_delete(connection.alias)
    report = audit.verify_chain()
    assert not report.intact and report.broken_seq == victim.seq
    assert "見つかりません" in report.reason


def test_rehashed_entry_breaks_the_next_link():
    first, second = AuditEntry.objects.order_by("seq")[3:5]
    forged = dict(audit.hashed_fields(first), object_repr="偽物")
    AuditEntry.objects.filter(pk=first.pk).update(object_repr="偽物", hash=audit.entry_hash(forged))
    report = audit.verify_chain()
    assert not report.intact and report.broken_seq == second.seq


def test_truncated_tail_is_detected():
    last = AuditEntry.objects.order_by("-seq").first()
    AuditEntry.objects.filter(pk=last.pk)._raw_delete(connection.alias)
    report = audit.verify_chain()
    assert not report.intact and "末尾" in report.reason


def test_verify_audit_command_reports_intact_and_broken():
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert "正常" in out.getvalue()
    victim = AuditEntry.objects.order_by("seq")[2]
    AuditEntry.objects.filter(pk=victim.pk).update(actor_name="mallory")
    with pytest.raises(CommandError, match=f"通番 {victim.seq}"):
        call_command("verify_audit")


def test_audit_pages_show_history_only_to_auditors(client, user_named):
    client.force_login(user_named("muni-admin-1"))
    page = client.get("/o/992011/audit/")
    assert page.status_code == 200 and "監査ログ" in page.content.decode()
    client.force_login(user_named("muni-staff-1"))
    assert client.get("/o/992011/audit/").status_code == 403


def test_audit_log_page_query_count_is_fixed(client, user_named):
    client.force_login(user_named("pref-admin"))
    client.get("/o/990001/audit/")
    with CaptureQueriesContext(connection) as first:
        client.get("/o/990001/audit/")
    assert len(first) <= 12, [q["sql"] for q in first.captured_queries]
