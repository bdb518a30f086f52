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
