"""Logic models for tests: made through the services by the organization's admin."""

from chiikidx.monitoring import logic_services
from chiikidx.monitoring.models import LogicLink, LogicModel, LogicNode

from ..plans.sample import admin_of


def make_logic_model(org, user=None, *, title="窓口のDX", plan=None, policy=None) -> LogicModel:
    return logic_services.save_logic_model(
        acting_user=user or admin_of(org),
        organization=org,
        title=title,
        plan=plan,
        policy=policy,
    )


def add_node(model, stage, title, user=None, **values) -> LogicNode:
    return logic_services.save_node(
        acting_user=user or admin_of(model.organization),
        logic_model=model,
        stage=stage,
        title=title,
        **values,
    )


def add_link(model, source, target, user=None, **values) -> LogicLink:
    return logic_services.save_link(
        acting_user=user or admin_of(model.organization),
        logic_model=model,
        source=source,
        target=target,
        **values,
    )


def sample_logic_model(org) -> LogicModel:
    """The organization's first logic model, created on demand: an activity linked to an
    output."""
    found = LogicModel.objects.filter(organization=org).order_by("pk").first()
    if found is None:
        found = make_logic_model(org)
        activity = add_node(found, "activity", "主要手続のオンライン化")
        output = add_node(found, "output", "オンライン申請が増える")
        add_link(found, activity, output, assumption="住民がスマートフォンを使える")
    return found


def sample_node(org) -> LogicNode:
    return sample_logic_model(org).nodes.order_by("pk").first()


def sample_link(org) -> LogicLink:
    return sample_logic_model(org).links.order_by("pk").first()
