"""Choice sets shared across the platform."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgKind(models.TextChoices):
    PREFECTURE = "prefecture", _("都道府県")
    DESIGNATED_CITY = "designated_city", _("政令指定都市")
    CITY = "city", _("市")
    TOWN = "town", _("町")
    VILLAGE = "village", _("村")
    SPECIAL_WARD = "special_ward", _("特別区")
    WARD = "ward", _("行政区")


class Role(models.TextChoices):
    PREF_ADMIN = "pref_admin", _("県DX推進課 管理者")
    PREF_STAFF = "pref_staff", _("県DX推進課 職員")
    LIAISON = "liaison", _("DX推進リエゾン")
    MUNI_ADMIN = "muni_admin", _("市町村DX推進担当 管理者")
    MUNI_STAFF = "muni_staff", _("市町村DX推進担当")
    DEPT_STAFF = "dept_staff", _("原課担当")
    EXECUTIVE = "executive", _("幹部(閲覧のみ)")


PREFECTURE_ROLES = frozenset({Role.PREF_ADMIN, Role.PREF_STAFF, Role.LIAISON})
MUNICIPALITY_ROLES = frozenset({Role.MUNI_ADMIN, Role.MUNI_STAFF, Role.DEPT_STAFF, Role.EXECUTIVE})


class Visibility(models.TextChoices):
    PRIVATE = "private", _("団体内のみ")
    SHARED = "shared", _("県内の団体と共有")
    PUBLIC = "public", _("一般公開")


class AuditAction(models.TextChoices):
    CREATE = "create", _("作成")
    UPDATE = "update", _("更新")
    DELETE = "delete", _("削除")
    ARCHIVE = "archive", _("アーカイブ")
    TRANSITION = "transition", _("状態遷移")
