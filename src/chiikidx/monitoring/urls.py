from django.urls import path

from . import cost_views, logic_views, views

app_name = "monitoring"

M = "o/<str:lgcode>/monitoring/"
L = M + "logic-models/<int:model_id>/"

urlpatterns = [
    path(M, views.home, name="home"),
    path(M + "mine/", views.mine, name="mine"),
    path(M + "kpis/new/", views.kpi_new, name="kpi_new"),
    path(M + "kpis/<int:kpi_id>/", views.kpi_detail, name="kpi"),
    path(M + "kpis/<int:kpi_id>/edit/", views.kpi_edit, name="kpi_edit"),
    path(M + "kpis/<int:kpi_id>/actuals/", views.actual_new, name="actual_new"),
    path(
        M + "kpis/<int:kpi_id>/actuals/<int:actual_id>/file/",
        views.actual_file,
        name="actual_file",
    ),
    path(M + "import/", views.import_actuals, name="import"),
    path(M + "import/template/", views.import_template, name="import_template"),
    path(M + "locks/", views.locks, name="locks"),
    path(M + "locks/<int:lock_id>/delete/", views.lock_delete, name="lock_delete"),
    # logic models (ロジックモデル)
    path(M + "logic-models/", logic_views.logic_models, name="logic_models"),
    path(M + "logic-models/new/", logic_views.logic_model_new, name="logic_model_new"),
    path(L, logic_views.logic_model, name="logic_model"),
    path(L + "edit/", logic_views.logic_model_edit, name="logic_model_edit"),
    path(L + "delete/", logic_views.logic_model_delete, name="logic_model_delete"),
    path(L + "export/", logic_views.logic_model_export, name="logic_model_export"),
    path(L + "nodes/new/", logic_views.logic_node_new, name="logic_node_new"),
    path(L + "nodes/<int:node_id>/", logic_views.logic_node_edit, name="logic_node_edit"),
    path(
        L + "nodes/<int:node_id>/delete/",
        logic_views.logic_node_delete,
        name="logic_node_delete",
    ),
    path(L + "links/new/", logic_views.logic_link_new, name="logic_link_new"),
    path(L + "links/<int:link_id>/", logic_views.logic_link_edit, name="logic_link_edit"),
    path(
        L + "links/<int:link_id>/delete/",
        logic_views.logic_link_delete,
        name="logic_link_delete",
    ),
    path(M + "prefecture/", views.prefecture, name="prefecture"),
]

# 費用対効果 (cost-effectiveness cases)
urlpatterns += [
    path(M + "costs/", cost_views.cost_list, name="costs"),
    path(M + "costs/new/", cost_views.cost_new, name="cost_new"),
    path(M + "costs/<int:case_id>/", cost_views.cost_detail, name="cost"),
    path(M + "costs/<int:case_id>/edit/", cost_views.cost_edit, name="cost_edit"),
    path(M + "costs/<int:case_id>/delete/", cost_views.cost_delete, name="cost_delete"),
    path(M + "costs/<int:case_id>/excel/", cost_views.cost_excel_download, name="cost_excel"),
]

# PDCA reviews (振り返り): monitoring.reviews
from .reviews.urls import urlpatterns as review_urlpatterns  # noqa: E402

urlpatterns += review_urlpatterns
