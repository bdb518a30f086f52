from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("account/password/", views.password_change, name="password_change"),
    path("account/password/done/", views.password_change_done, name="password_change_done"),
    path("healthz", views.healthz, name="healthz"),
    path("tasks/", views.my_tasks, name="tasks"),
    path("switch/", views.switch_organization, name="switch"),
    path("registry/", views.registry, name="registry"),
    path("registry/<str:lgcode>/", views.registry_detail, name="registry_detail"),
    path("audit/", views.system_audit_log, name="system_audit_log"),
    path("o/<str:lgcode>/", views.org_home, name="org_home"),
    path("o/<str:lgcode>/departments/", views.departments, name="departments"),
    path("o/<str:lgcode>/regions/", views.regions, name="regions"),
    path("o/<str:lgcode>/departments/new/", views.department_create, name="department_create"),
    path("o/<str:lgcode>/members/", views.members, name="members"),
    path("o/<str:lgcode>/members/new/", views.member_create, name="member_create"),
    path("o/<str:lgcode>/members/<int:membership_id>/", views.member_edit, name="member_edit"),
    path(
        "o/<str:lgcode>/members/<int:membership_id>/password/",
        views.member_password,
        name="member_password",
    ),
    path("o/<str:lgcode>/liaisons/", views.liaisons, name="liaisons"),
    path(
        "o/<str:lgcode>/liaisons/<int:assignment_id>/end/",
        views.liaison_end,
        name="liaison_end",
    ),
    path(
        "o/<str:lgcode>/members/<int:membership_id>/toggle/",
        views.member_toggle,
        name="member_toggle",
    ),
    path("o/<str:lgcode>/audit/", views.audit_log, name="audit_log"),
    path(
        "o/<str:lgcode>/audit/<str:model_label>/<str:object_id>/",
        views.audit_object,
        name="audit_object",
    ),
]
