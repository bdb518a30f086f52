"""Writes of the core app: atomic, with the acting user, audited through the models."""

from django.contrib.auth import get_user_model
from django.db import transaction

from . import access, audit
from .choices import AuditAction
from .models import Department, Membership

ACCOUNT_FIELDS = ("username", "last_name", "first_name", "email", "is_active")


def _account_fields(user) -> dict:
    return {name: getattr(user, name) for name in ACCOUNT_FIELDS}


@transaction.atomic
def create_department(*, acting_user, organization, name: str, kana: str = "", sort_order: int = 0):
    with audit.acting_as(acting_user):
        return Department.objects.create(
            organization=organization, name=name, kana=kana, sort_order=sort_order
        )


@transaction.atomic
def create_member(*, acting_user, organization, data: dict) -> Membership:
    with audit.acting_as(acting_user):
        user = get_user_model().objects.create_user(
            username=data["username"],
            password=data["password"],
            last_name=data["last_name"],
            first_name=data.get("first_name") or "",
            email=data.get("email") or "",
        )
        audit.record(
            [
                audit.Change(
                    AuditAction.CREATE, user, None, _account_fields(user), organization=organization
                )
            ]
        )
        membership = Membership.objects.create(
            user=user,
            organization=organization,
            role=data["role"],
            department=data.get("department"),
        )
    access.forget(acting_user)
    return membership


@transaction.atomic
def set_membership_active(*, acting_user, membership: Membership, active: bool) -> Membership:
    """Archive instead of delete: a deactivated member keeps their history."""
    with audit.acting_as(acting_user):
        membership.is_active = active
        membership.save()
    return membership
