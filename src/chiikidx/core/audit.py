"""Audit log: who changed what, when, before and after — append-only and hash-chained.

Every write to an `AuditedModel` is recorded in the same transaction: `save()`, deletes (direct,
queryset and cascaded, through the delete signals) and the queryset's `update`, `bulk_create`
and `bulk_update`. The acting user comes from a context variable set per request (middleware,
API views) or explicitly with `acting_as(user)` in services and commands.

Each entry carries an HMAC over its content and the previous entry's HMAC, keyed with a secret
kept outside the database (CHIIKIDX_AUDIT_KEY), so editing the database cannot re-forge the chain.
The chain head row is locked before any audited row is written, so writers never deadlock and
sequence numbers and times both increase.
"""

from __future__ import annotations

import datetime
import decimal
import functools
import hashlib
import hmac
import json
import operator
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections, models, router, transaction
from django.db.models.fields.files import FieldFile
from django.db.models.signals import post_delete, pre_delete
from django.utils import timezone

from . import bulksql
from .choices import AuditAction

GENESIS_HASH = "0" * 64
# Bookkeeping fields: their change is the audit entry itself, not content.
UNTRACKED_FIELDS = {"created_at", "updated_at", "created_by", "updated_by"}
CHUNK = 500  # below SQLite's limit on query parameters

_actor: ContextVar[Any] = ContextVar("chiikidx_audit_actor", default=None)


@dataclass
class _Batch:
    using: str
    head: Any  # the chain head, locked for the whole batch and advanced in memory
    entries: list


_batch: ContextVar[_Batch | None] = ContextVar("chiikidx_audit_batch", default=None)


class AuditImmutableError(Exception):
    """Raised on any attempt to change or delete an audit entry through the ORM."""


def current_actor():
    user = _actor.get()
    return user if getattr(user, "is_authenticated", False) else None


@contextmanager
def acting_as(user) -> Iterator[None]:
    token = _actor.set(user)
    try:
        yield
    finally:
        _actor.reset(token)


def set_actor(user) -> None:
    """For request-scoped code whose caller resets the context (API views under middleware)."""
    _actor.set(user)


def jsonable(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, float):
        return repr(value)  # jsonb would rewrite some floats (1e16, -0.0) and break the hash
    if isinstance(value, FieldFile):
        return value.name or None
    if isinstance(value, bytes | memoryview):
        return None
    return value


# Values stored as they are (the rest go through jsonable): most values of most rows.
_PLAIN_TYPES = frozenset({str, int, bool, type(None)})
# jsonable by exact type, for the types most rows hold (a bulk write converts hundreds of
# thousands of values): as jsonable does, without its chain of isinstance checks.
_CONVERTERS = {
    datetime.date: datetime.date.isoformat,
    datetime.datetime: datetime.datetime.isoformat,
    decimal.Decimal: str,
    FieldFile: lambda value: value.name or None,
}


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The tracked fields' values, as JSON values (deferred fields left out). A bulk write
    takes one per row, so the fields are looked up once per model, and an instance with every
    field loaded has its values read in one go."""
    tracked = _tracked_fields(type(obj))
    loaded = obj.__dict__  # a deferred field has no value in the instance
    if tracked.getter is not None and loaded.keys() >= tracked.names:
        values = zip(tracked.attnames, tracked.getter(obj), strict=True)
    else:
        values = (
            (attname, field.value_from_object(obj))
            for attname, field in tracked.fields
            if attname in loaded
        )
    return _as_json(values)


def _as_json(values: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    """{attname: JSON value} of (attname, value) pairs."""
    return {
        attname: value
        if type(value) in _PLAIN_TYPES
        else _CONVERTERS.get(type(value), jsonable)(value)
        for attname, value in values
    }


@dataclass(frozen=True)
class _Tracked:
    fields: tuple  # (attname, field)
    attnames: tuple
    names: frozenset
    getter: Any  # reads every value at once; None if a field reads its value its own way


@functools.cache
def _tracked_fields(model) -> _Tracked:
    fields = tuple(
        (field.attname, field)
        for field in model._meta.concrete_fields
        if field.name not in UNTRACKED_FIELDS
    )
    attnames = tuple(attname for attname, _field in fields)
    plain = all(
        type(field).value_from_object is models.Field.value_from_object for _a, field in fields
    )  # Field.value_from_object is getattr(obj, attname)
    getter = operator.attrgetter(*attnames) if plain and len(attnames) > 1 else None
    return _Tracked(fields, attnames, frozenset(attnames), getter)


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict, dict]:
    keys = [k for k in after if k in before and before[k] != after[k]]
    return {k: before[k] for k in keys}, {k: after[k] for k in keys}


@dataclass
class Change:
    action: str
    obj: Any
    before: dict | None
    after: dict | None
    object_id: str | None = None
    organization: Any = None  # for objects that do not know their organization (user accounts)
    object_repr: str | None = None  # when str(obj) must not be stored (e.g. an API token)


@contextmanager
def batched(using: str = "default") -> Iterator[None]:
    """Entries recorded inside are appended together when the block ends: the chain head is
    locked once at the start and written once at the end, instead of a read, an insert and an
    update for every audited write. For one process's long run of small writes (the demo
    build, where those three statements were a third of all). The block is one transaction;
    nothing inside may read the entries it recorded back from the database. Nested: the outer
    batch collects."""
    if _batch.get() is not None:
        yield
        return
    with transaction.atomic(using=using):
        batch = _Batch(using, lock_chain(using), [])
        token = _batch.set(batch)
        try:
            yield
        finally:
            _batch.reset(token)
        _insert(batch.entries, using)  # not reached when the block failed: all is rolled back
        batch.head.save(using=using)


def _batch_for(using: str) -> _Batch | None:
    batch = _batch.get()
    return batch if batch is not None and batch.using == using else None


def lock_chain(using: str = "default"):
    """Lock the chain head; call before writing audited rows so lock order is always the same."""
    from .models import AuditChainHead

    batch = _batch_for(using)
    if batch is not None:
        return batch.head

    head = AuditChainHead.objects.using(using).select_for_update().filter(id=1).first()
    if head is None:
        head, _ = AuditChainHead.objects.using(using).get_or_create(id=1)
    return head


def stored_snapshots(model, pks: list, using: str) -> dict[Any, dict]:
    found = {}
    for start in range(0, len(pks), CHUNK):
        rows = (
            model._base_manager.using(using)
            .select_for_update()
            .filter(pk__in=pks[start : start + CHUNK])
        )
        found.update({obj.pk: snapshot(obj) for obj in rows})
    return found


class AuditMixin:
    """Mixed into `AuditedModel`: records create and update with before/after values."""

    # What `audit_organization` follows, read with the rows a queryset update re-reads, so a
    # bulk update does not query each row's organization.
    audit_select_related: tuple[str, ...] = ()

    def save(self, *args, **kwargs):
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using, savepoint=False):
            head = lock_chain(using)
            # "Before" is the stored row, not what this instance saw when it was loaded.
            before = (
                None
                if self._state.adding
                else stored_snapshots(type(self), [self.pk], using).get(self.pk)
            )
            super().save(*args, **kwargs)
            after = snapshot(self)
            if before is None:
                record([Change(AuditAction.CREATE, self, None, after)], using=using, head=head)
                return
            old, new = diff(before, after)
            if old:
                record([Change(AuditAction.UPDATE, self, old, new)], using=using, head=head)

    def audit_organization(self):
        return None


class AuditedQuerySet(models.QuerySet):
    """Queryset writes are audited row by row, in the same transaction. `update()` re-reads
    the rows it wrote, so expressions (F(), Case/When of bulk_update) are recorded as stored."""

    def update(self, **kwargs):
        with transaction.atomic(using=self.db, savepoint=False):
            head = lock_chain(self.db)
            pks = list(self.values_list("pk", flat=True))
            before = stored_snapshots(self.model, pks, self.db)
            count = self.model._base_manager.using(self.db).filter(pk__in=pks).update(**kwargs)
            # Re-read with the caller's select_related and what audit_organization() follows
            # (audit_select_related), so the organization of each row costs no query.
            reread = self.model._base_manager.using(self.db)
            reread.query.select_related = self.query.select_related
            if self.model.audit_select_related:
                reread = reread.select_related(*self.model.audit_select_related)
            after = reread.in_bulk(pks)
            changes = [_update_change(after[pk], before[pk]) for pk in pks if pk in after]
            record([c for c in changes if c], using=self.db, head=head)
        return count

    update.alters_data = True

    def bulk_create(self, objs, *args, **kwargs):
        with transaction.atomic(using=self.db, savepoint=False):
            head = lock_chain(self.db)
            created = super().bulk_create(objs, *args, **kwargs)
            changes = [Change(AuditAction.CREATE, o, None, snapshot(o)) for o in created]
            record(changes, using=self.db, head=head)
        return created

    bulk_create.alters_data = True

    # bulk_update() needs no override: Django implements it with update(), audited above.


def _update_change(obj, before: dict) -> Change | None:
    old, new = diff(before, snapshot(obj))
    return Change(AuditAction.UPDATE, obj, old, new) if old else None


def _is_audited(sender) -> bool:
    return isinstance(sender, type) and issubclass(sender, AuditMixin)


def _lock_before_delete(sender, instance, using, **kwargs):
    if _is_audited(sender):
        lock_chain(using)
        instance._audit_deleted_pk = instance.pk


def _record_delete(sender, instance, using, **kwargs):
    if _is_audited(sender):
        object_id = str(getattr(instance, "_audit_deleted_pk", instance.pk))
        record(
            [Change(AuditAction.DELETE, instance, snapshot(instance), None, object_id)], using=using
        )


def connect_delete_signals(models_: Iterable) -> None:
    """Deletes go through Django's collector (direct, queryset and cascaded): its signals cover
    them all. Connected per audited model, so other models keep Django's fast delete path."""
    for model in models_:
        if _is_audited(model) and not model._meta.abstract:
            uid = f"chiikidx_audit_{model._meta.label_lower}"
            pre_delete.connect(_lock_before_delete, sender=model, dispatch_uid=f"{uid}_pre")
            post_delete.connect(_record_delete, sender=model, dispatch_uid=f"{uid}_post")


def audit_key() -> bytes:
    return settings.CHIIKIDX_AUDIT_KEY.encode("utf-8")


# json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":")), without
# making a new encoder for every entry.
_HASH_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _hash_json_encoder():
    """What _HASH_JSON.encode makes of a value, at half its cost: JSONEncoder.encode builds a
    new C encoder for every call (json.encoder.c_make_encoder), and an import hashes an entry
    per row. Here one is built once, without the check for circular references (entries hold
    plain JSON values). Tests compare the two."""
    make = json.encoder.c_make_encoder
    if make is None:  # a Python without the _json accelerator
        return _HASH_JSON.encode
    encode = make(
        None,  # markers: no check for circular references
        _HASH_JSON.default,
        json.encoder.encode_basestring,  # ensure_ascii=False
        None,  # indent
        _HASH_JSON.key_separator,
        _HASH_JSON.item_separator,
        _HASH_JSON.sort_keys,
        _HASH_JSON.skipkeys,
        _HASH_JSON.allow_nan,
    )
    return lambda value: "".join(encode(value, 0))


_hash_json = _hash_json_encoder()


def entry_hash(fields: dict[str, Any]) -> str:
    payload = _hash_json(fields)
    return hmac.digest(audit_key(), payload.encode("utf-8"), hashlib.sha256).hex()


def hashed_fields(entry, created_at: str | None = None) -> dict[str, Any]:
    """What the entry's hash covers. `created_at`: the entry's time as text, when known (the
    entries of one `record` call share it)."""
    return {
        "seq": entry.seq,
        "created_at": created_at or entry.created_at.isoformat(),
        "actor_id": entry.actor_id,
        "actor_name": entry.actor_name,
        "organization_id": entry.organization_id,
        "model_label": entry.model_label,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "action": entry.action,
        "before": entry.before,
        "after": entry.after,
        "prev_hash": entry.prev_hash,
    }


def record(
    changes: Iterable[Change], *, actor=None, using: str = "default", head=None
) -> list[NewEntry]:
    """Append entries for `changes` to the chain, under the lock on the chain head. `head`: the
    head as the caller locked it (lock_chain) in this transaction, with nothing recorded since,
    which saves reading it again; each audited write locks it first and records last.

    No savepoint: if recording fails, the write it records must not commit either."""
    changes = list(changes)
    if not changes:
        return []
    who = _who(actor)
    return _append(lambda now: [_entry(change, who, now) for change in changes], using, head)


def record_created(
    model, attnames: Sequence[str], rows: Iterable[tuple], *, using: str = "default", head=None
) -> list[NewEntry]:
    """CREATE entries for rows a bulk write inserted without making model instances (e.g.
    core.bulksql.insert_values): (primary key, the tracked fields' values in the order of
    `attnames`, organization pk, str() of the object) each. The entries are those `record`
    makes for the same rows created through the ORM (tests compare them), without a Change, a
    snapshot and an instance per row. `head` as for `record`."""
    rows = list(rows)
    if not rows:
        return []
    actor_id, actor_name = _who(None)
    label, create = model._meta.label, AuditAction.CREATE

    def entries(now) -> list[NewEntry]:
        return [
            NewEntry(
                now,
                actor_id,
                actor_name,
                organization_id,
                label,
                str(pk),
                text[:200],
                create,
                None,
                _as_json(zip(attnames, values, strict=True)),
            )
            for pk, values, organization_id, text in rows
        ]

    return _append(entries, using, head)


def _who(actor) -> tuple:
    actor = actor or current_actor()
    return (actor.pk, actor.get_username()) if actor else (None, "")


def _append(make_entries, using: str, head) -> list[NewEntry]:
    """The entries `make_entries(now)` gives, chained after the head and written (or kept for
    the batch)."""
    with transaction.atomic(using=using, savepoint=False):
        head = head or lock_chain(using)
        now = timezone.now()  # after the lock, so time follows the sequence
        entries = make_entries(now)
        payload = _Payload(now)
        for entry in entries:
            entry.seq, entry.prev_hash = head.last_seq + 1, head.last_hash
            entry.hash = payload.hash(entry)
            head.last_seq, head.last_hash = entry.seq, entry.hash
        batch = _batch_for(using)
        if batch is not None:
            batch.entries.extend(entries)  # written when the batch ends
        else:
            _insert(entries, using)
            head.save(using=using)
    return entries


def _insert(entries: list, using: str) -> None:
    """All entries in one statement (core.bulksql: COPY on PostgreSQL, executemany on SQLite).
    The ORM's bulk_create compiled every row's SQL and took most of the time of large imports,
    which write an entry per row. The entries get no primary key: nothing reads it back (the
    chain is addressed by `seq`)."""
    from .models import AuditEntry

    connection = connections[using]
    fields = [f for f in AuditEntry._meta.concrete_fields if not f.primary_key]
    # The JSON fields are written as the text the hash was computed over (valid JSON, which
    # both databases read back as the same values); dates are converted for the driver; the
    # rest are str and int.
    prepare = [_preparer(f, connection) for f in fields]
    json_text = {"before": "before_json", "after": "after_json"}
    values = operator.attrgetter(*(json_text.get(f.attname, f.attname) for f in fields))
    rows = bulksql.prepared_rows((values(e) for e in entries), prepare)
    bulksql.insert(AuditEntry._meta.db_table, [f.column for f in fields], rows, using)


def _preparer(field, connection):
    """What `field.get_db_prep_save` does to an entry's value, without its per-call overhead:
    None for values passed as they are."""
    kind = field.get_internal_type()
    if kind == "DateTimeField":  # the entries of one call share their time: convert it once
        return functools.lru_cache(maxsize=4)(connection.ops.adapt_datetimefield_value)
    return None


@dataclass(slots=True)
class NewEntry:
    """An entry as `record` appends it: the row written (read back, it is an AuditEntry).
    A bulk import appends one per row, so this is kept lighter than a model instance."""

    created_at: datetime.datetime
    actor_id: int | None
    actor_name: str
    organization_id: int | None
    model_label: str
    object_id: str
    object_repr: str
    action: str
    before: dict | None
    after: dict | None
    seq: int = 0
    prev_hash: str = ""
    hash: str = ""
    before_json: str | None = None  # before and after as JSON text: what is stored
    after_json: str | None = None


# hashed_fields as entry_hash writes them: sorted keys, compact, not ASCII-escaped.
_PAYLOAD = (
    '{"action":%s,"actor_id":%s,"actor_name":%s,"after":%s,"before":%s,"created_at":%s,'
    '"model_label":%s,"object_id":%s,"object_repr":%s,"organization_id":%s,"prev_hash":%s,'
    '"seq":%s}'
)


class _Payload:
    """The entries of one `record` call share their time and mostly their actor, model and
    organization: the JSON text of those is made once, and each entry's before and after are
    serialized once, for the hash and for storage alike. The text is exactly
    entry_hash(hashed_fields(entry)) (tests check it)."""

    def __init__(self, now: datetime.datetime):
        self.created_at = _hash_json(now.isoformat())
        self.known: dict = {}
        # The HMAC keyed once, copied for each entry (a one-shot hmac.digest keys it again).
        self.keyed = hmac.new(audit_key(), digestmod=hashlib.sha256)

    def shared(self, entry: NewEntry) -> tuple[str, ...]:
        """The JSON text of the fields the entries of one call mostly share, made once per
        combination."""
        key = (
            entry.action,
            entry.actor_id,
            entry.actor_name,
            entry.model_label,
            entry.organization_id,
        )
        if key not in self.known:
            self.known[key] = tuple(_hash_json(value) for value in key)
        return self.known[key]

    def hash(self, entry: NewEntry) -> str:
        encode = _hash_json
        entry.before_json = None if entry.before is None else encode(entry.before)
        entry.after_json = None if entry.after is None else encode(entry.after)
        action, actor_id, actor_name, model_label, organization_id = self.shared(entry)
        payload = _PAYLOAD % (
            action,
            actor_id,
            actor_name,
            entry.after_json or "null",
            entry.before_json or "null",
            self.created_at,
            model_label,
            _quoted(entry.object_id),
            _quoted(entry.object_repr),
            organization_id,
            _quoted(entry.prev_hash),
            int.__repr__(entry.seq),  # what JSON makes of an int
        )
        mac = self.keyed.copy()
        mac.update(payload.encode("utf-8"))
        return mac.hexdigest()


# A str as JSON text, not ASCII-escaped: what _HASH_JSON.encode makes of a str, without its
# per-call overhead (object ids, representations and hashes are always str).
_quoted = json.encoder.encode_basestring


def _entry(change: Change, who: tuple, now) -> NewEntry:
    org = change.organization or _organization_of(change.obj)
    return NewEntry(
        now,
        who[0],
        who[1],
        org.pk if org else None,
        change.obj._meta.label,
        str(change.object_id or change.obj.pk),
        str(change.object_repr or change.obj)[:200],
        change.action,
        change.before,
        change.after,
    )


def _organization_of(obj):
    method = getattr(obj, "audit_organization", None)
    return method() if method else None


@dataclass
class ChainReport:
    intact: bool
    checked: int
    broken_seq: int | None = None
    reason: str = ""
    last_seq: int = 0
    last_hash: str = GENESIS_HASH


def verify_chain(chunk_size: int = 2000) -> ChainReport:
    """Walk the chain in order; report the first entry whose link or content does not hold."""
    from .models import AuditChainHead, AuditEntry

    prev_hash, expected_seq, checked = GENESIS_HASH, 1, 0
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=chunk_size):
        problem = _link_problem(entry, prev_hash, expected_seq)
        if problem:
            return ChainReport(False, checked, min(entry.seq, expected_seq), problem)
        prev_hash, expected_seq, checked = entry.hash, entry.seq + 1, checked + 1
    head = AuditChainHead.objects.filter(id=1).first()
    head_seq, head_hash = (head.last_seq, head.last_hash) if head else (0, GENESIS_HASH)
    if head_seq != expected_seq - 1 or head_hash != prev_hash:
        return ChainReport(False, checked, expected_seq, "末尾の記録が削除されています。")
    return ChainReport(True, checked, last_seq=head_seq, last_hash=head_hash)


def _link_problem(entry, prev_hash: str, expected_seq: int) -> str:
    if entry.seq != expected_seq:
        return f"通番{expected_seq}の記録が見つかりません(削除された可能性があります)。"
    if entry.prev_hash != prev_hash:
        return "直前の記録とのハッシュのつながりが壊れています。"
    if not hmac.compare_digest(entry_hash(hashed_fields(entry)), entry.hash):
        return "記録の内容がハッシュと一致しません(改ざんされた可能性があります)。"
    return ""
