import pytest


@pytest.fixture
def admin(user_named):
    """あおば市's muni_admin (muni-admin-1)."""
    return user_named("muni-admin-1")
