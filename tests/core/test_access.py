"""Object-level rules of the access module, with a second prefecture that must not leak."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser

from chiikidx.core import access
from chiikidx.core.choices import Visibility
from chiikidx.core.models import Department, LiaisonAssignment

pytestmark = pytest.mark.django_db

AOBA, WAKABA, SAKURA, B_MUNI = "992011", "993018", "992020", "982016"


@pytest.fixture
def dept(org_coded):
    def make(code, name="共有テスト課", visibility=Visibility.PRIVATE):
        return Department.objects.create(
            organization=org_coded(code), name=name, visibility=visibility
        )

    return make


def visible_names(user, names):
    return set(
        Department.objects.visible_to(user).filter(name__in=names).values_list("name", flat=True)
    )


def test_private_objects_stay_inside_their_circle(dept, user_named):
    dept(AOBA, "あおば非公開課")
    names = ["あおば非公開課"]
    assert visible_names(user_named("muni-staff-1"), names) == set(names)
    assert visible_names(user_named("pref-staff"), names) == set(names)
    assert visible_names(user_named("liaison"), names) == set(names)
    assert visible_names(user_named("muni-staff-2"), names) == set()
    assert visible_names(user_named("sakura-staff"), names) == set()
    assert visible_names(user_named("t-pref-admin"), names) == set()
    assert visible_names(AnonymousUser(), names) == set()


def test_shared_objects_reach_the_prefecture_but_not_beyond(dept, user_named):
    shared = dept(AOBA, "あおば共有課", Visibility.SHARED)
    assert visible_names(user_named("muni-staff-2"), ["あおば共有課"]) == {"あおば共有課"}
    assert access.can(user_named("muni-staff-2"), "view", shared)
    assert not access.can(user_named("muni-staff-2"), "change", shared)
    assert visible_names(user_named("t-muni-admin-1"), ["あおば共有課"]) == set()
    assert not access.can(user_named("t-muni-admin-1"), "view", shared)
    assert not access.can(AnonymousUser(), "view", shared)


def test_published_objects_are_public(dept, user_named):
    public = dept(AOBA, "あおば公開課", Visibility.PUBLIC)
    assert access.can(AnonymousUser(), "view", public)
    assert visible_names(AnonymousUser(), ["あおば公開課"]) == {"あおば公開課"}
    assert not access.can(AnonymousUser(), "change", public)
    assert not access.can(user_named("t-muni-admin-1"), "change", public)


def test_department_staff_change_only_their_department(user_named, org_coded):
    staff = user_named("dept-staff-1")
    welfare = Department.objects.get(organization__code=AOBA, name="福祉課")
    tax = Department.objects.get(organization__code=AOBA, name="税務課")

    class Item:  # a department-scoped tenant object (real ones arrive with later apps)
        department_scoped = True

        def __init__(self, department):
            self.department_id, self.visibility = department.pk, Visibility.PRIVATE

        def audit_organization(self):
            return org_coded(AOBA)

    assert access.can(staff, "change", Item(welfare))
    assert not access.can(staff, "change", Item(tax))
    assert access.can_create_in(staff, org_coded(AOBA), welfare)
    assert not access.can_create_in(staff, org_coded(AOBA), tax)
    assert not access.can_create_in(staff, org_coded(AOBA))


def test_department_staff_cannot_change_memberships_even_of_their_department(user_named):
    from chiikidx.core.models import Membership

    own = Membership.objects.get(user__username="dept-staff-1")
    assert not access.can(user_named("dept-staff-1"), "change", own)
    assert not access.can(user_named("muni-staff-1"), "change", own)
    assert access.can(user_named("muni-admin-1"), "change", own)


def test_deactivated_liaison_loses_assigned_municipalities(user_named, org_coded):
    from chiikidx.core.models import Membership

    liaison = user_named("liaison")
    assert access.can(liaison, "view", org_coded(AOBA))
    Membership.objects.filter(user=liaison).update(is_active=False)
    access.forget(liaison)
    assert not access.can(liaison, "view", org_coded(AOBA))


def test_assignment_outside_the_liaisons_prefecture_grants_nothing(user_named, org_coded):
    liaison = user_named("liaison")
    LiaisonAssignment.objects.create(
        user=liaison, municipality=org_coded(B_MUNI), start_date=datetime.date(2025, 4, 1)
    )
    access.forget(liaison)
    assert not access.can(liaison, "view", org_coded(B_MUNI))


def test_executives_read_but_never_write(user_named, org_coded):
    executive = user_named("executive-1")
    assert access.can(executive, "view", org_coded(AOBA))
    assert not access.can(executive, "change", org_coded(AOBA))
    assert not access.can(executive, "manage", org_coded(AOBA))


def test_prefecture_staff_read_municipalities_but_change_only_the_prefecture(user_named, org_coded):
    staff = user_named("pref-staff")
    assert access.can(staff, "view", org_coded(SAKURA))
    assert not access.can(staff, "change", org_coded(SAKURA))
    assert access.can(staff, "change", org_coded("990001"))
    assert not access.can(staff, "view", org_coded(B_MUNI))


def test_liaison_assignment_is_bounded_by_its_dates(user_named, org_coded):
    liaison = user_named("liaison")
    assert not access.can(liaison, "view", org_coded(SAKURA))
    today = datetime.date.today()
    LiaisonAssignment.objects.create(
        user=liaison,
        municipality=org_coded(SAKURA),
        start_date=today - datetime.timedelta(days=30),
        end_date=today - datetime.timedelta(days=1),
    )
    access.forget(liaison)
    assert not access.can(liaison, "view", org_coded(SAKURA))  # the assignment has ended
    LiaisonAssignment.objects.create(user=liaison, municipality=org_coded(SAKURA), start_date=today)
    access.forget(liaison)
    assert access.can(liaison, "view", org_coded(SAKURA))


def test_designated_city_members_see_their_wards(org_coded):
    from django.contrib.auth import get_user_model

    from chiikidx.core.models import Membership

    city = org_coded("991007")  # みらい市
    user = get_user_model().objects.create_user("mirai-staff", password="x-Very-Long-9")
    Membership.objects.create(user=user, organization=city, role="muni_staff")
    ward = city.wards.first()
    assert access.can(user, "view", ward)
    assert not access.can(user, "view", org_coded(AOBA))


def test_inactive_membership_grants_nothing(user_named, org_coded):
    from chiikidx.core.models import Membership

    user = user_named("muni-staff-2")
    Membership.objects.filter(user=user).update(is_active=False)
    access.forget(user)
    assert not access.can(user, "view", org_coded(WAKABA))
