from django.urls import path

from . import views

app_name = "plans"

P = "o/<str:lgcode>/plans/"

urlpatterns = [
    path(P, views.home, name="home"),
    path(P + "new/", views.plan_new, name="plan_new"),
    path(P + "mine/", views.mine, name="mine"),
    path(P + "<int:plan_id>/", views.plan_detail, name="plan"),
    path(P + "<int:plan_id>/edit/", views.plan_edit, name="plan_edit"),
    path(P + "<int:plan_id>/advance/", views.plan_advance, name="plan_advance"),
    path(
        P + "<int:plan_id>/decisions/<int:decision_id>/minutes/",
        views.minutes_download,
        name="minutes",
    ),
    path(
        P + "<int:plan_id>/decisions/<int:decision_id>/minutes/upload/",
        views.minutes_upload,
        name="minutes_upload",
    ),
    path(P + "<int:plan_id>/baselines/", views.baseline_list, name="baselines"),
    path(P + "<int:plan_id>/baselines/new/", views.baseline_new, name="baseline_new"),
    path(P + "<int:plan_id>/revise/", views.plan_revise, name="plan_revise"),
    path(P + "<int:plan_id>/excel/", views.plan_excel, name="excel"),
    path(P + "<int:plan_id>/excel/upload/", views.plan_excel_upload, name="excel_upload"),
    path(P + "<int:plan_id>/schedule/", views.plan_schedule, name="schedule"),
    path(P + "<int:plan_id>/schedule/slip/", views.plan_slip, name="slip"),
    path(P + "<int:plan_id>/gantt/", views.plan_gantt, name="gantt"),
    path(P + "<int:plan_id>/summary/", views.plan_summary, name="summary"),
    path(P + "<int:plan_id>/policies/new/", views.policy_new, name="policy_new"),
    path(P + "<int:plan_id>/policies/<int:policy_id>/edit/", views.policy_edit, name="policy_edit"),
    path(P + "<int:plan_id>/measures/new/", views.measure_new, name="measure_new"),
    path(P + "measures/<int:measure_id>/", views.measure_detail, name="measure"),
    path(P + "measures/<int:measure_id>/edit/", views.measure_edit, name="measure_edit"),
    path(P + "measures/<int:measure_id>/update/", views.measure_update, name="measure_update"),
    path(P + "measures/<int:measure_id>/spawn/", views.measure_spawn, name="measure_spawn"),
    path(P + "measures/<int:measure_id>/actions/new/", views.action_new, name="action_new"),
    path(
        P + "measures/<int:measure_id>/dependencies/new/",
        views.dependency_new,
        name="dependency_new",
    ),
    path(
        P + "measures/<int:measure_id>/dependencies/<int:dependency_id>/delete/",
        views.dependency_delete,
        name="dependency_delete",
    ),
    path(
        P + "measures/<int:measure_id>/actions/<int:action_id>/done/",
        views.action_done,
        name="action_done",
    ),
]
