"""Writes of the core app: atomic, with the acting user, audited through the models."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from . import access, audit
from .choices import AuditAction, Role
from .models import Department, Membership

ACCOUNT_FIELDS = ("username", "last_name", "first_name", "email", "is_active")
ADMIN_ROLES = (Role.PREF_ADMIN, Role.MUNI_ADMIN)


class ServiceError(Exception):
    """A refused write; the message is a Japanese sentence for the user."""


def _account_fields(user) -> dict:
    return {name: getattr(user, name) for name in ACCOUNT_FIELDS}


def _home_organization(user):
    memberships = access.active_memberships(user)
    return memberships[0].organization if memberships else None


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
        change = audit.Change(
            AuditAction.CREATE, user, None, _account_fields(user), organization=organization
        )
        audit.record([change])
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
    if membership.user_id == acting_user.pk and not active:
        raise ServiceError(_("自分自身の所属は無効にできません。別の管理者に依頼してください。"))
    if not active and membership.role in ADMIN_ROLES and _is_last_admin(membership):
        raise ServiceError(
            _(
                "この団体で最後の管理者のため無効にできません。先に別の職員を管理者として登録してください。"
            )
        )
    with audit.acting_as(acting_user):
        membership.is_active = active
        membership.save()
    return membership


def _is_last_admin(membership: Membership) -> bool:
    admins = Membership.objects.select_for_update().filter(
        organization_id=membership.organization_id, role=membership.role, is_active=True
    )
    return not admins.exclude(pk=membership.pk).exists()


@transaction.atomic
def password_changed(*, user) -> None:
    """Record the change (never the hash) and revoke API tokens issued with the old password."""
    org = _home_organization(user)
    hidden = _("(記録しません)")
    with audit.acting_as(user):
        audit.record(
            [
                audit.Change(
                    AuditAction.UPDATE,
                    user,
                    {"password": hidden},
                    {"password": _("変更しました")},
                    organization=org,
                )
            ]
        )
        for token in Token.objects.filter(user=user):
            revoke_token(token)


def revoke_token(token: Token) -> None:
    org = _home_organization(token.user)
    audit.record(
        [
            audit.Change(
                AuditAction.DELETE,
                token,
                {"user": token.user.get_username()},
                None,
                object_id=str(token.user_id),
                organization=org,
                object_repr=_("APIトークン(%(user)s)") % {"user": token.user.get_username()},
            )
        ]
    )
    token.delete()


@transaction.atomic
def issue_token(*, user) -> Token:
    """One token per user (DRF's model); issuing is recorded, the key never is."""
    token, created = Token.objects.get_or_create(user=user)
    if created:
        audit.record(
            [
                audit.Change(
                    AuditAction.CREATE,
                    token,
                    None,
                    {"user": user.get_username()},
                    object_id=str(user.pk),
                    organization=_home_organization(user),
                    object_repr=_("APIトークン(%(user)s)") % {"user": user.get_username()},
                )
            ],
            actor=user,
        )
    return token
