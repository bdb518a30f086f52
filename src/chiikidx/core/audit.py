"""Audit log: who changed what, when, before and after — append-only and hash-chained.

Every `AuditedModel.save()`/`delete()` records itself, so pages, API, services, the shell and
management commands are all covered. The acting user comes from a context variable set per
request (middleware, API views) or explicitly with `acting_as(user)` in services and commands.
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import json
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone

from .choices import AuditAction

GENESIS_HASH = "0" * 64
# Bookkeeping fields: their change is the audit entry itself, not content.
UNTRACKED_FIELDS = {"created_at", "updated_at", "created_by", "updated_by"}

_actor: ContextVar[Any] = ContextVar("chiikidx_audit_actor", default=None)


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
    if isinstance(value, FieldFile):
        return value.name or None
    if isinstance(value, bytes | memoryview):
        return None
    return value


def snapshot(obj: models.Model) -> dict[str, Any]:
    deferred = obj.get_deferred_fields()
    return {
        field.attname: jsonable(field.value_from_object(obj))
        for field in obj._meta.concrete_fields
        if field.name not in UNTRACKED_FIELDS and field.attname not in deferred
    }


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict, dict]:
    keys = [k for k in after if k in before and before[k] != after[k]]
    return {k: before[k] for k in keys}, {k: after[k] for k in keys}


@dataclass
class Change:
    action: str
    obj: models.Model
    before: dict | None
    after: dict | None
    object_id: str | None = None
    organization: Any = None  # for objects that do not know their organization (user accounts)


class AuditMixin:
    """Mixed into `AuditedModel`: records create, update and delete with before/after values."""

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._audit_before = snapshot(instance)
        return instance

    def save(self, *args, **kwargs):
        adding = self._state.adding
        with transaction.atomic(using=kwargs.get("using")):
            before = None if adding else self._audit_stored_snapshot()
            super().save(*args, **kwargs)
            after = snapshot(self)
            if adding:
                record([Change(AuditAction.CREATE, self, None, after)])
            else:
                old, new = diff(before or {}, after)
                if old or new:
                    record([Change(AuditAction.UPDATE, self, old, new)])
            self._audit_before = after

    def delete(self, *args, **kwargs):
        before, object_id = snapshot(self), str(self.pk)
        with transaction.atomic(using=kwargs.get("using")):
            result = super().delete(*args, **kwargs)
            record([Change(AuditAction.DELETE, self, before, None, object_id)])
        return result

    def _audit_stored_snapshot(self) -> dict[str, Any] | None:
        stored = getattr(self, "_audit_before", None)
        if stored is None:
            fresh = type(self)._base_manager.filter(pk=self.pk).first()
            stored = snapshot(fresh) if fresh else None
        return stored

    def audit_organization(self):
        return None


def entry_hash(fields: dict[str, Any]) -> str:
    payload = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def hashed_fields(entry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "created_at": entry.created_at.isoformat(),
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


def record(changes: Iterable[Change], *, actor=None) -> list:
    """Append entries for `changes` to the chain, under a lock on the chain head."""
    from .models import AuditChainHead, AuditEntry

    actor = actor or current_actor()
    now = timezone.now()
    with transaction.atomic():
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
        entries = []
        for change in changes:
            org = change.organization or _organization_of(change.obj)
            entry = AuditEntry(
                seq=head.last_seq + 1,
                created_at=now,
                actor_id=actor.pk if actor else None,
                actor_name=actor.get_username() if actor else "",
                organization_id=org.pk if org else None,
                model_label=change.obj._meta.label,
                object_id=change.object_id or str(change.obj.pk),
                object_repr=str(change.obj)[:200],
                action=change.action,
                before=change.before,
                after=change.after,
                prev_hash=head.last_hash,
            )
            entry.hash = entry_hash(hashed_fields(entry))
            head.last_seq, head.last_hash = entry.seq, entry.hash
            entries.append(entry)
        AuditEntry.objects.bulk_create(entries, batch_size=500)
        head.save()
    return entries


def _organization_of(obj):
    method = getattr(obj, "audit_organization", None)
    return method() if method else None


@dataclass
class ChainReport:
    intact: bool
    checked: int
    broken_seq: int | None = None
    reason: str = ""


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
    if head and (head.last_seq != expected_seq - 1 or head.last_hash != prev_hash):
        return ChainReport(False, checked, expected_seq, "末尾の記録が削除されています。")
    return ChainReport(True, checked)


def _link_problem(entry, prev_hash: str, expected_seq: int) -> str:
    if entry.seq != expected_seq:
        return f"通番{expected_seq}の記録が見つかりません(削除された可能性があります)。"
    if entry.prev_hash != prev_hash:
        return "直前の記録とのハッシュのつながりが壊れています。"
    if entry_hash(hashed_fields(entry)) != entry.hash:
        return "記録の内容がハッシュと一致しません(改ざんされた可能性があります)。"
    return ""
