"""Writes of the core app: atomic, with the acting user, audited through the models."""

from axes.utils import reset as axes_reset
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.authtoken.models import Token

from . import access, audit, japanese, queries
from .choices import AuditAction, Role
from .models import Department, LiaisonAssignment, Membership, Organization

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


def _account_refusal(acting_user, user) -> str | None:
    """Why an admin may not change this account, or None. Every organization the account
    belongs to, active or not, must be theirs to manage: a municipal admin must not take over a
    prefecture officer who is (or was) also a member."""
    if user.is_superuser and not acting_user.is_superuser:
        return _("システム管理者のアカウントは変更できません。")
    memberships = Membership.objects.filter(user=user).select_related("organization")
    if not all(access.can(acting_user, "manage", m.organization) for m in memberships):
        return _(
            "この職員は他の団体にも所属しているため変更できません。"
            "すべての所属先を管理できる管理者に依頼してください。"
        )
    return None


@transaction.atomic
def update_member(*, acting_user, membership: Membership, data: dict) -> Membership:
    user = membership.user
    demoted = membership.role in ADMIN_ROLES and data["role"] != membership.role
    if demoted and _is_last_admin(membership):
        raise ServiceError(
            _(
                "この団体で最後の管理者のため役割を変更できません。先に別の職員を管理者として登録してください。"
            )
        )
    account = {k: data.get(k) or "" for k in ("last_name", "first_name", "email")}
    if any(getattr(user, k) != v for k, v in account.items()):
        refusal = _account_refusal(acting_user, user)
        if refusal:
            raise ServiceError(refusal)
        _save_account(acting_user, user, account, membership.organization)
    with audit.acting_as(acting_user):
        membership.role = data["role"]
        membership.department = data.get("department")
        membership.save()
    return membership


def _save_account(acting_user, user, values: dict, organization) -> None:
    before = _account_fields(user)
    for key, value in values.items():
        setattr(user, key, value)
    user.save(update_fields=list(values))
    old, new = audit.diff(before, _account_fields(user))
    change = audit.Change(AuditAction.UPDATE, user, old, new, organization=organization)
    audit.record([change], actor=acting_user)


@transaction.atomic
def reset_password(*, acting_user, membership: Membership, password: str) -> None:
    """An admin sets a new password: recorded (never the hash), tokens revoked, lockout lifted."""
    user = membership.user
    if user.pk == acting_user.pk:
        raise ServiceError(_("自分のパスワードは「パスワード変更」から変更してください。"))
    refusal = _account_refusal(acting_user, user)
    if refusal:
        raise ServiceError(refusal)
    user.set_password(password)
    user.save(update_fields=["password"])
    change = audit.Change(
        AuditAction.UPDATE,
        user,
        {"password": _("(記録しません)")},
        {"password": _("管理者が再設定しました")},
        organization=membership.organization,
    )
    with audit.acting_as(acting_user):
        audit.record([change])
        for token in Token.objects.filter(user=user):
            revoke_token(token)
    axes_reset(username=user.get_username())


@transaction.atomic
def assign_liaison(*, acting_user, prefecture, data: dict) -> LiaisonAssignment:
    with audit.acting_as(acting_user):
        return LiaisonAssignment.objects.create(
            user=data["user"],
            municipality=data["municipality"],
            start_date=data["start_date"],
            end_date=data.get("end_date"),
            note=data.get("note") or "",
        )


@transaction.atomic
def end_liaison_assignment(
    *, acting_user, assignment: LiaisonAssignment
) -> LiaisonAssignment | None:
    """Ends today and stays as history; one that has not started yet is withdrawn instead
    (the audit log keeps it)."""
    today = timezone.localdate()
    if assignment.end_date and assignment.end_date < today:
        raise ServiceError(_("この担当はすでに終了しています。"))
    with audit.acting_as(acting_user):
        if assignment.start_date > today:
            assignment.delete()
            return None
        assignment.end_date = today
        assignment.save()
    return assignment


REGION_MAX = 40


@transaction.atomic
def set_regions(*, acting_user, prefecture, regions: dict[str, str]) -> int:
    """Set the 地域区分 of the prefecture's municipalities ({code: region}); all or nothing.

    Returns the number changed. Every change is audited (bulk_update of an audited model)."""
    regions = {code: japanese.normalize(value).strip() for code, value in regions.items()}
    too_long = [code for code, value in regions.items() if len(value) > REGION_MAX]
    if too_long:
        raise ServiceError(
            _("地域区分は%(n)s文字以内で入力してください(団体コード: %(codes)s)。")
            % {"n": REGION_MAX, "codes": "、".join(sorted(too_long))}
        )
    municipalities = list(queries.municipalities_of(prefecture).filter(code__in=list(regions)))
    unknown = set(regions) - {m.code for m in municipalities}
    if unknown:
        raise ServiceError(
            _("管内の市町村ではない団体コードがあります: %(codes)s")
            % {"codes": "、".join(sorted(unknown))}
        )
    changed = [m for m in municipalities if m.region != regions[m.code]]
    for m in changed:
        m.region = regions[m.code]
    with audit.acting_as(acting_user):
        Organization.objects.bulk_update(changed, ["region"])
    return len(changed)
