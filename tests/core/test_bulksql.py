"""core.bulksql: ids taken from a table's own numbering before its rows are written, and rows
written with their values prepared as the fields would prepare them."""

import pytest
from django.db import connections, transaction
from django.utils import timezone

from chiikidx.assessments.models import Answer, Response
from chiikidx.core import bulksql
from chiikidx.core.models import Department

pytestmark = pytest.mark.django_db(transaction=False)


def _departments(ids, organization, prefix):
    """Unsaved departments with the ids given, written by insert_objects."""
    make, now = bulksql.object_maker(Department), timezone.now()
    made = [
        make(organization_id=organization.pk, name=f"{prefix}{pk}", created_at=now, updated_at=now)
        for pk in ids
    ]
    for obj, pk in zip(made, ids, strict=True):
        obj.pk = pk
    bulksql.insert_objects(Department, made)


def test_new_ids_come_after_every_id_ever_used_and_the_orm_goes_on_after_them(org_coded):
    org = org_coded("992011")
    with transaction.atomic():
        top = Department.objects.create(organization=org, name="最後に作った課")
        top_pk = top.pk
        top.delete()  # the largest id, gone: it is not handed out again
        ids = bulksql.new_ids(Department, 3)
        assert ids[0] > top_pk and ids == sorted(set(ids))
        _departments(ids, org, "一括課")
        after = Department.objects.create(organization=org, name="後から作った課")
    assert list(
        Department.objects.filter(pk__in=ids).order_by("pk").values_list("name", flat=True)
    ) == [f"一括課{pk}" for pk in ids]
    assert after.pk > max(ids)


def test_new_ids_twice_in_one_transaction_do_not_overlap_once_written(org_coded):
    org = org_coded("992011")
    with transaction.atomic():
        first = bulksql.new_ids(Department, 2)
        _departments(first, org, "A")
        second = bulksql.new_ids(Department, 2)
        _departments(second, org, "B")
    assert min(second) > max(first)


def test_new_ids_refuse_to_run_outside_a_transaction(monkeypatch):
    """(Each test runs in a transaction: outside one is what the connection then says.)"""
    monkeypatch.setattr(connections["default"], "in_atomic_block", False)
    with pytest.raises(RuntimeError, match="inside the transaction"):
        bulksql.new_ids(Department, 1)
    monkeypatch.undo()
    with transaction.atomic():
        assert bulksql.new_ids(Department, 0) == []


def test_json_values_read_back_as_written_scalars_of_equal_value_kept_apart():
    """1, 1.0 and True are equal in Python; the import's memo of prepared values must not make
    one of them stand for another."""
    response = Response.objects.filter(answers__isnull=True).first()
    values = [1, 1.0, True, "1", 0, False, None, ["a", "あ"], {"k": 2.5}, 1, True, 1.0, "1"]
    with transaction.atomic():
        ids = bulksql.new_ids(Answer, len(values))
        rows = [
            (pk, response.pk, f"Q{i}", value, "")
            for i, (pk, value) in enumerate(zip(ids, values, strict=True))
        ]
        bulksql.insert_values(
            Answer, ("id", "response_id", "question_code", "value", "comment"), rows
        )
    stored = dict(Answer.objects.filter(pk__in=ids).values_list("question_code", "value"))
    read = [stored[f"Q{i}"] for i in range(len(values))]
    assert read == values
    assert [type(v) for v in read] == [type(v) for v in values]
