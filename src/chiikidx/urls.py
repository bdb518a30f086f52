"""URL conf. Every route declares its access rule (see core/access.py); a test enforces it."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import routers

from .assessments import api as assessments_api
from .challenges import api as challenges_api
from .core import api as core_api
from .core.access import PUBLIC
from .core.middleware import CHART_CONTENT_SECURITY_POLICY
from .monitoring import api as monitoring_api
from .monitoring import cost_api as monitoring_cost_api
from .monitoring import logic_api
from .monitoring.reviews import api as reviews_api
from .plans import api as plans_api


class APIRootView(routers.APIRootView):
    """chiikidx REST API v1 の一覧。"""

    access_rule = PUBLIC


class SchemaView(SpectacularAPIView):
    access_rule = PUBLIC


class DocsView(SpectacularSwaggerSplitView):
    # The split view serves its script as a separate file, so scripts stay 'self' only;
    # Swagger UI injects <style> elements, so this page alone allows inline styles.
    access_rule = PUBLIC

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Content-Security-Policy"] = CHART_CONTENT_SECURITY_POLICY
        return response


router = routers.DefaultRouter()
router.include_format_suffixes = False
router.APIRootView = APIRootView
router.register("organizations", core_api.OrganizationViewSet, basename="organization")
router.register("departments", core_api.DepartmentViewSet, basename="department")
router.register(
    "assessment-frameworks", assessments_api.FrameworkViewSet, basename="assessment-framework"
)
router.register("assessment-rounds", assessments_api.RoundViewSet, basename="assessment-round")
router.register(
    "assessment-responses", assessments_api.ResponseViewSet, basename="assessment-response"
)
router.register("plans", plans_api.PlanViewSet, basename="plan")
router.register("plan-measures", plans_api.MeasureViewSet, basename="plan-measure")
router.register("plan-dependencies", plans_api.DependencyViewSet, basename="plan-dependency")
router.register("plan-baselines", plans_api.BaselineViewSet, basename="plan-baseline")
router.register("kpis", monitoring_api.KpiViewSet, basename="kpi")
router.register("kpi-actuals", monitoring_api.ActualViewSet, basename="kpi-actual")
router.register("reviews", reviews_api.ReviewViewSet, basename="review")
router.register("review-follow-ups", reviews_api.FollowUpViewSet, basename="review-follow-up")
router.register("logic-models", logic_api.LogicModelViewSet, basename="logic-model")
router.register("logic-nodes", logic_api.LogicNodeViewSet, basename="logic-node")
router.register("logic-links", logic_api.LogicLinkViewSet, basename="logic-link")
router.register("cost-cases", monitoring_cost_api.CostCaseViewSet, basename="cost-case")
challenges_api.register(router)

api_urlpatterns = [
    path("auth/token/", core_api.TokenView.as_view(), name="token"),
    path("me/", core_api.MeView.as_view(), name="me"),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(url_name="api:schema"), name="docs"),
    path("", include(router.urls)),
]

urlpatterns = [
    path("api/v1/", include((api_urlpatterns, "api"))),
    path("", include("chiikidx.core.urls")),
    path("", include("chiikidx.assessments.urls")),
    path("", include("chiikidx.plans.urls")),
    path("", include("chiikidx.challenges.urls")),
    path("", include("chiikidx.monitoring.urls")),
]
