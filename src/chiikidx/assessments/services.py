"""Writes of the assessments app: atomic, with the acting user, audited through the models."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from chiikidx.core import audit
from chiikidx.core.services import ServiceError

from . import frameworks
from .choices import VersionStatus
from .definition import FrameworkDef
from .models import Framework, FrameworkVersion


@transaction.atomic
def install(
    *,
    acting_user,
    organization,
    definition: FrameworkDef,
    based_on: str = "",
    change_note: str = "",
) -> FrameworkVersion:
    """Store a definition as the next draft version of the organization's framework `code`."""
    if not organization.is_prefecture:
        raise ServiceError(_("評価フレームワークは都道府県が管理します。"))
    with audit.acting_as(acting_user):
        framework, _created = Framework.objects.get_or_create(
            organization=organization,
            code=definition.code,
            defaults={
                "title": definition.title,
                "description": definition.description,
                "source": definition.source,
                "based_on": based_on,
            },
        )
        _sync_header(framework, definition)
        number = (framework.versions.aggregate(n=Max("number"))["n"] or 0) + 1
        version = FrameworkVersion.objects.create(
            framework=framework, number=number, change_note=change_note
        )
        frameworks.store_parts(version, definition)
    return version


def _sync_header(framework: Framework, definition: FrameworkDef) -> None:
    changed = False
    for name in ("title", "description", "source"):
        if getattr(framework, name) != getattr(definition, name):
            setattr(framework, name, getattr(definition, name))
            changed = True
    if changed:
        framework.save()


@transaction.atomic
def adopt_shipped(*, acting_user, organization, code: str) -> FrameworkVersion:
    """Copy a shipped framework into the prefecture and publish it as is."""
    definition = frameworks.shipped(code)
    version = install(
        acting_user=acting_user,
        organization=organization,
        definition=definition,
        based_on=code,
        change_note=_("標準フレームワークから作成"),
    )
    return publish(acting_user=acting_user, version=version)


@transaction.atomic
def publish(*, acting_user, version: FrameworkVersion) -> FrameworkVersion:
    """Freeze a draft; from now on changes need a new version."""
    version = FrameworkVersion.objects.select_for_update().get(pk=version.pk)
    if version.is_published:
        raise ServiceError(
            _("この版はすでに公開されています。変更するには新しい版を作ってください。")
        )
    with audit.acting_as(acting_user):
        version.status = VersionStatus.PUBLISHED
        version.published_at = timezone.now()
        version.published_by = acting_user
        version.save()
    return version


@transaction.atomic
def new_draft(
    *,
    acting_user,
    version: FrameworkVersion,
    definition: FrameworkDef | None = None,
    change_note: str = "",
) -> FrameworkVersion:
    """A new draft version: a copy of `version`, or the given (imported) definition."""
    definition = definition or frameworks.definition_of(version)
    framework = version.framework
    if definition.code != framework.code:
        raise ServiceError(
            _("取り込んだファイルのコード「%(got)s」がこのフレームワーク「%(want)s」と違います。")
            % {"got": definition.code, "want": framework.code}
        )
    return install(
        acting_user=acting_user,
        organization=framework.organization,
        definition=definition,
        based_on=framework.based_on,
        change_note=change_note,
    )


@transaction.atomic
def discard_draft(*, acting_user, version: FrameworkVersion) -> None:
    if version.is_published:
        raise ServiceError(_("公開済みの版は削除できません。"))
    with audit.acting_as(acting_user):
        version.delete()
