"""Shared fixtures: the real registry and two fictional prefectures, loaded once per session.

Prefecture A is the demo みらい県 (99, users without prefix); prefecture B is つばさ県 (98, users
prefixed "t-"), so every access test has a second tenant whose data must not leak.
"""

import pytest
from django.conf import settings

# Tests create many users; the production hasher is deliberately slow.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

SECOND = {"prefix": "98", "name": "つばさ県", "kana": "つばさけん", "user_prefix": "t-"}


def build_world():
    from django.contrib.auth import get_user_model

    from chiikidx.core import demo, registry

    registry.load_registry()
    # The apps' demo content is tested on its own; the access tests need the core part only.
    demo.build(demo.DemoSpec(), extend=False)
    demo.build(demo.DemoSpec(**SECOND), extend=False)
    from chiikidx.core.choices import Role
    from chiikidx.core.models import Membership, Organization

    users = get_user_model().objects
    users.create_superuser("root", "root@example.invalid", "root-pass-123!")
    for prefecture, admin in [("990001", "pref-admin"), ("980005", "t-pref-admin")]:
        _open_sample_round(Organization.objects.get(code=prefecture), users.get(username=admin))
    # さくら台市: a municipality of prefecture A that no demo user or liaison belongs to.
    Membership.objects.create(
        user=users.create_user("sakura-staff", password="sakura-pass-123!", last_name="桜台"),
        organization=Organization.objects.get(code="992020"),
        role=Role.MUNI_STAFF,
    )


def _open_sample_round(prefecture, admin):
    """Every prefecture of the test world has a published framework and an open round."""
    import datetime

    from chiikidx.assessments import frameworks, services

    from .assessments.sample import SAMPLE_YAML

    definition = frameworks.read_yaml(SAMPLE_YAML.encode())
    definition.code = "world"
    version = services.install(acting_user=admin, organization=prefecture, definition=definition)
    version = services.publish(acting_user=admin, version=version)
    services.open_round(
        acting_user=admin,
        prefecture=prefecture,
        version=version,
        title="令和7年度 第1回",
        fiscal_year=2025,
        opens_on=datetime.date(2025, 6, 1),
        due_on=datetime.date(2025, 7, 31),
    )


@pytest.fixture(scope="session", autouse=True)
def _media_root(tmp_path_factory):
    """Uploaded files of the whole session go to a temporary directory, never to ./var."""
    from django.test import override_settings

    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        build_world()


def pytest_collection_modifyitems(config, items):
    # Browser tests use a live server whose database is flushed afterwards: run them last.
    for item in items:
        if item.nodeid.startswith("tests/e2e/"):
            item.add_marker(pytest.mark.e2e)
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)


@pytest.fixture
def user_named(db):
    from django.contrib.auth import get_user_model

    def get(username):
        return get_user_model().objects.get(username=username)

    return get


@pytest.fixture
def org_coded(db):
    from chiikidx.core.models import Organization

    def get(code):
        return Organization.objects.get(code=code)

    return get


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters live in the cache; each test starts with none."""
    from django.core.cache import cache

    cache.clear()
