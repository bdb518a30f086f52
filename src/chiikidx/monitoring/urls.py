from django.urls import path

from . import views

app_name = "monitoring"

M = "o/<str:lgcode>/monitoring/"

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
    path(M + "prefecture/", views.prefecture, name="prefecture"),
]
