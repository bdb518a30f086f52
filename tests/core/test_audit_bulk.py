"""Bulk appends to the audit chain (imports write one entry per row): the hash of every entry
is the one entry_hash computes from its fields, what is stored reads back as the same values,
and the chain verifies."""

import pytest

from chiikidx.core import audit
from chiikidx.core.choices import AuditAction
from chiikidx.core.models import AuditEntry, Department, Organization

pytestmark = pytest.mark.django_db

AWKWARD = ['引用符"と\\バックスラッシュ', "改行\nと\ttab", "絵文字😀", "", "'=1+1"]


def test_hashes_are_those_of_the_entries_fields(user_named, org_coded):
    org = org_coded("992011")
    departments = list(Department.objects.filter(organization=org)[:3])
    prefecture = Organization.objects.get(code="990001")
    changes = []
    for i, text in enumerate(AWKWARD * 3):
        dept = departments[i % len(departments)]
        changes += [
            audit.Change(AuditAction.UPDATE, dept, {"name": dept.name}, {"name": text}),
            audit.Change(AuditAction.CREATE, dept, None, {"name": text, "n": i, "x": None}),
            audit.Change(
                AuditAction.DELETE,
                dept,
                {"nested": {"b": [1, text], "a": True}},
                None,
                object_id=f"gone-{i}",
                organization=prefecture,
                object_repr=text * 100,
            ),
        ]
    first_seq = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    entries = audit.record(changes, actor=user_named("muni-admin-1"))
    for entry in entries:
        assert entry.hash == audit.entry_hash(audit.hashed_fields(entry))
    stored = list(AuditEntry.objects.filter(seq__gt=first_seq).order_by("seq"))
    assert [(e.seq, e.hash, e.before, e.after) for e in stored] == [
        (e.seq, e.hash, e.before, e.after) for e in entries
    ]
    assert stored[2].object_repr == (AWKWARD[0] * 100)[:200]
    assert stored[2].organization_id == prefecture.pk and stored[0].organization_id == org.pk
    assert audit.verify_chain().intact


def test_entries_without_an_actor(org_coded):
    dept = Department.objects.filter(organization=org_coded("992011")).first()
    entry = audit.record([audit.Change(AuditAction.UPDATE, dept, {"a": 1}, {"a": 2})])[0]
    assert (entry.actor_id, entry.actor_name) == (None, "")
    assert entry.hash == audit.entry_hash(audit.hashed_fields(entry))
    assert audit.verify_chain().intact


def _last_seq():
    return AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def test_a_batch_appends_its_entries_together_at_the_end(
    user_named, org_coded, django_assert_num_queries
):
    """Inside audit.batched() an audited create is its own INSERT only (no read, insert and
    update of the chain head); the entries appear when the block ends, in order, and verify."""
    org = org_coded("992011")
    first = _last_seq()
    with audit.batched(), audit.acting_as(user_named("muni-admin-1")):
        with django_assert_num_queries(3):
            for name in ("一括課A", "一括課B", "一括課C"):
                Department.objects.create(organization=org, name=name)
        assert _last_seq() == first  # not written yet
        dept = Department.objects.get(organization=org, name="一括課B")
        dept.name = "一括課B2"
        dept.save()
    entries = list(AuditEntry.objects.filter(seq__gt=first).order_by("seq"))
    assert [(e.action, e.after) for e in entries][-1] == ("update", {"name": "一括課B2"})
    assert [e.seq for e in entries] == list(range(first + 1, first + 5))
    assert [e.after["name"] for e in entries[:3]] == ["一括課A", "一括課B", "一括課C"]
    assert audit.verify_chain().intact


def test_a_failed_batch_writes_nothing(org_coded):
    org = org_coded("992011")
    first, count = _last_seq(), Department.objects.count()
    with pytest.raises(RuntimeError), audit.batched():
        Department.objects.create(organization=org, name="失敗する課")
        raise RuntimeError("stop")
    assert (_last_seq(), Department.objects.count()) == (first, count)
    assert audit.verify_chain().intact
    Department.objects.create(organization=org, name="後から作る課")  # the chain goes on
    assert _last_seq() == first + 1 and audit.verify_chain().intact


def test_the_hash_encoder_writes_what_json_dumps_writes():
    """Entries are hashed over json.dumps(sort_keys, not ASCII-escaped, compact) text, made by
    one reused C encoder: the same text for every kind of value an entry holds."""
    import json

    values = [
        {"b": 1, "a": [1.5, 1e16, -0.0, 0.1, 10**20, -7], "c": {"z": None, "y": True}},
        *AWKWARD,
        "\u2028\x00\x1f",
        1.0,
        float("nan"),
        float("inf"),
        [],
        {},
        {"数値": "1", "1": 1},
    ]
    for value in values:
        expected = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        assert audit._hash_json(value) == expected


def test_record_created_makes_the_entry_an_orm_create_makes(user_named, org_coded):
    """A bulk write that inserts rows without model instances audits them with
    record_created: the entry is the one Department.objects.create records, but for its place
    in the chain and its time."""
    org, actor = org_coded("992011"), user_named("muni-admin-1")
    first = _last_seq()
    with audit.acting_as(actor):
        made = Department.objects.create(organization=org, name="監査比較課", sort_order=7)
        tracked = {
            field.attname: field.value_from_object(made)
            for field in Department._meta.concrete_fields
            if field.name not in audit.UNTRACKED_FIELDS
        }
        audit.record_created(
            Department, list(tracked), [(made.pk, list(tracked.values()), org.pk, str(made))]
        )
    orm, bulk = AuditEntry.objects.filter(seq__gt=first).order_by("seq")
    fields = [
        "actor_id",
        "actor_name",
        "organization_id",
        "model_label",
        "object_id",
        "object_repr",
        "action",
        "before",
        "after",
    ]
    assert [getattr(bulk, f) for f in fields] == [getattr(orm, f) for f in fields]
    assert bulk.prev_hash == orm.hash and bulk.seq == orm.seq + 1
    assert bulk.hash == audit.entry_hash(audit.hashed_fields(bulk))
    assert audit.record_created(Department, ["id"], []) == []
    assert audit.verify_chain().intact
