import pytest

from chiikidx.assessments import frameworks, services

from .sample import SAMPLE_YAML


@pytest.fixture
def sample_version(db, user_named, org_coded):
    """The sample framework, published in みらい県."""
    version = services.install(
        acting_user=user_named("pref-admin"),
        organization=org_coded("990001"),
        definition=frameworks.read_yaml(SAMPLE_YAML.encode()),
    )
    return services.publish(acting_user=user_named("pref-admin"), version=version)


@pytest.fixture
def sample_round(sample_version, user_named, org_coded):
    import datetime

    return services.open_round(
        acting_user=user_named("pref-admin"),
        prefecture=org_coded("990001"),
        version=sample_version,
        title="令和7年度 第1回",
        fiscal_year=2025,
        opens_on=datetime.date(2025, 6, 1),
        due_on=datetime.date(2025, 7, 31),
    )


FULL_ANSWERS = {
    "L1": "3",
    "Y1": "いいえ",
    "S1": "一部",
    "M1": "書かない窓口、キャッシュレス",
    "P1": "45",
    "N1": "15",
}
