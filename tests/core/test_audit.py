import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import ProtectedError
from django.test.utils import CaptureQueriesContext

from chiikidx.core import audit, services
from chiikidx.core.audit import AuditImmutableError
from chiikidx.core.models import AuditEntry, Department

pytestmark = pytest.mark.django_db


def tamper(sql, params=()):
    """Write to the audit table behind the ORM's back, as an intruder with database access would."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")  # bypass the trigger
        cursor.execute(sql, params)


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
    with pytest.raises(AuditImmutableError):
        AuditEntry.objects.filter(pk=entry.pk).update(object_repr="書き換え")
    with pytest.raises(AuditImmutableError):
        AuditEntry.objects.filter(pk=entry.pk).delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL")
def test_postgresql_refuses_update_and_delete_of_audit_rows():
    from django.db import DatabaseError

    entry = AuditEntry.objects.order_by("seq").first()
    for sql in [
        "UPDATE core_auditentry SET actor_name = 'x' WHERE id = %s",
        "DELETE FROM core_auditentry WHERE id = %s",
    ]:
        with (
            pytest.raises(DatabaseError, match="追記のみ"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entry.pk])


def test_chain_is_intact_after_normal_use(user_named, org_coded):
    services.create_department(
        acting_user=user_named("pref-admin"), organization=org_coded("990001"), name="監査課"
    )
    report = audit.verify_chain()
    assert report.intact and report.checked == AuditEntry.objects.count()


def test_tampered_content_is_detected_at_its_entry():
    victim = AuditEntry.objects.order_by("seq")[5]
    tamper("UPDATE core_auditentry SET after = %s WHERE id = %s", ['{"name": "改ざん"}', victim.pk])
    report = audit.verify_chain()
    assert not report.intact
    assert report.broken_seq == victim.seq
    assert "改ざん" in report.reason


def test_removed_entry_is_detected_as_a_gap():
    victim = AuditEntry.objects.order_by("seq")[10]
    tamper("DELETE FROM core_auditentry WHERE id = %s", [victim.pk])
    report = audit.verify_chain()
    assert not report.intact and report.broken_seq == victim.seq
    assert "見つかりません" in report.reason


def test_rehashed_entry_breaks_the_next_link():
    first, second = AuditEntry.objects.order_by("seq")[3:5]
    forged = dict(audit.hashed_fields(first), object_repr="偽物")
    tamper(
        "UPDATE core_auditentry SET object_repr = %s, hash = %s WHERE id = %s",
        ["偽物", audit.entry_hash(forged), first.pk],
    )
    report = audit.verify_chain()
    assert not report.intact and report.broken_seq == second.seq


def test_truncated_tail_is_detected():
    last = AuditEntry.objects.order_by("-seq").first()
    tamper("DELETE FROM core_auditentry WHERE id = %s", [last.pk])
    report = audit.verify_chain()
    assert not report.intact and "末尾" in report.reason


def test_verify_audit_command_reports_intact_and_broken():
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert "正常" in out.getvalue()
    victim = AuditEntry.objects.order_by("seq")[2]
    tamper("UPDATE core_auditentry SET actor_name = %s WHERE id = %s", ["mallory", victim.pk])
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
    # one query per related model named in the page (not per row)
    assert len(first) <= 16, [q["sql"] for q in first.captured_queries]


def test_queryset_writes_are_audited_row_by_row(user_named, org_coded):
    org, admin = org_coded("993018"), user_named("muni-admin-2")
    with audit.acting_as(admin):
        made = Department.objects.bulk_create(
            [Department(organization=org, name=f"一括課{i}") for i in range(3)]
        )
        Department.objects.filter(name__startswith="一括課").update(kana="いっかつ")
        made[0].sort_order = 42
        Department.objects.bulk_update([made[0]], ["sort_order"])
        Department.objects.filter(name__startswith="一括課").delete()
    for dept in made:
        actions = list(latest("core.Department", dept.pk).values_list("action", flat=True))
        expected = (
            ["create", "update", "update", "delete"]
            if dept == made[0]
            else ["create", "update", "delete"]
        )
        assert actions == expected, (dept.name, actions)
    update = latest("core.Department", made[0].pk).filter(action="update").first()
    assert update.before == {"kana": ""} and update.after == {"kana": "いっかつ"}
    assert update.actor_name == "muni-admin-2"
    assert audit.verify_chain().intact


def test_update_rereads_rows_with_the_callers_select_related(org_coded):
    """The organization of each row an update re-reads costs no query when the queryset
    selects it (plans' demo updates hundreds of measures at once)."""
    org = org_coded("993018")
    made = Department.objects.bulk_create(
        [Department(organization=org, name=f"再読課{i}") for i in range(5)]
    )
    counts = []
    for rows in (made[:1], made):
        found = Department.objects.select_related("organization").filter(
            pk__in=[d.pk for d in rows]
        )
        with CaptureQueriesContext(connection) as captured:
            found.update(kana=f"さいどく{len(rows)}")
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
    entry = latest("core.Department", made[-1].pk).get(action="update")
    assert entry.organization_id == org.pk and entry.after == {"kana": "さいどく5"}


def test_update_of_tenant_rows_reads_their_organization_with_them(org_coded):
    """TenantModel names its organization (audit_select_related): a plain queryset update
    costs the same number of queries for 1 row as for 5."""
    org = org_coded("993018")
    made = Department.objects.bulk_create(
        [Department(organization=org, name=f"一括課{i}") for i in range(5)]
    )
    counts = []
    for rows in (made[:1], made):
        with CaptureQueriesContext(connection) as captured:
            Department.objects.filter(pk__in=[d.pk for d in rows]).update(kana="いっかつ")
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
    assert latest("core.Department", made[0].pk).filter(action="update").exists()


def test_before_is_the_stored_row_not_a_stale_copy(org_coded):
    dept = Department.objects.create(organization=org_coded("993018"), name="旧名課")
    stale = Department.objects.get(pk=dept.pk)
    fresh = Department.objects.get(pk=dept.pk)
    fresh.name = "新名課"
    fresh.save()
    stale.kana = "きゅうめいか"
    stale.save()  # writes the stale name back: the log must show that revert
    last = latest("core.Department", dept.pk).last()
    assert last.before == {"name": "新名課", "kana": ""}
    assert last.after == {"name": "旧名課", "kana": "きゅうめいか"}


def test_users_with_history_cannot_be_deleted(user_named):
    with pytest.raises(ProtectedError):
        user_named("muni-staff-2").delete()
    assert audit.verify_chain().intact


def test_floats_survive_the_database_round_trip():
    assert audit.jsonable(1e16) == "1e+16" and audit.jsonable(-0.0) == "-0.0"


def test_chain_verification_depends_on_the_key_outside_the_database(settings):
    assert audit.verify_chain().intact
    settings.CHIIKIDX_AUDIT_KEY = "a-different-key-than-the-one-that-signed"
    report = audit.verify_chain()
    assert not report.intact and report.broken_seq == 1


def test_missing_chain_head_is_reported():
    tamper("DELETE FROM core_auditchainhead")
    assert not audit.verify_chain().intact


def test_times_follow_sequence_numbers():
    times = list(AuditEntry.objects.order_by("seq").values_list("created_at", flat=True))
    assert times == sorted(times)


def test_audit_log_pages_back_through_history_by_sequence(client, user_named, org_coded):
    pref = org_coded("990001")
    Department.objects.bulk_create(
        Department(organization=pref, name=f"履歴課{i}") for i in range(60)
    )
    client.force_login(user_named("pref-admin"))
    first = client.get("/o/990001/audit/")
    entries = first.context["entries"]
    assert len(entries) == 50 and entries[0].seq > entries[-1].seq
    older = client.get("/o/990001/audit/?" + first.context["older_query"])
    assert older.context["entries"][0].seq < entries[-1].seq
    assert "最新の記録へ" in older.content.decode()
    only_departments = client.get("/o/990001/audit/?model=core.Department")
    assert {e.model_label for e in only_departments.context["entries"]} == {"core.Department"}
