from django.urls import path

from . import views

app_name = "assessments"

P = "o/<str:lgcode>/assessments/"

urlpatterns = [
    path("national/assessments/", views.national_overview, name="national"),
    path("national/assessments/excel/", views.national_excel, name="national_excel"),
    path(P, views.home, name="home"),
    path(P + "adopt/", views.adopt, name="adopt"),
    path(P + "import/", views.import_framework, name="import"),
    path(P + "versions/<int:version_id>/", views.version, name="version"),
    path(P + "versions/<int:version_id>/yaml/", views.version_yaml, name="version_yaml"),
    path(P + "versions/<int:version_id>/excel/", views.version_excel, name="version_excel"),
    path(P + "versions/<int:version_id>/publish/", views.version_publish, name="version_publish"),
    path(
        P + "versions/<int:version_id>/new-draft/",
        views.version_new_draft,
        name="version_new_draft",
    ),
    path(P + "frameworks/new/", views.framework_new, name="framework_new"),
    path(P + "versions/<int:version_id>/edit/", views.version_edit, name="version_edit"),
    path(
        P + "versions/<int:version_id>/dimensions/new/", views.dimension_new, name="dimension_new"
    ),
    path(
        P + "versions/<int:version_id>/dimensions/<path:dimension_code>/edit/",
        views.dimension_edit,
        name="dimension_edit",
    ),
    path(
        P + "versions/<int:version_id>/dimensions/<path:dimension_code>/delete/",
        views.dimension_delete,
        name="dimension_delete",
    ),
    path(
        P + "versions/<int:version_id>/dimensions/<path:dimension_code>/move/",
        views.dimension_move,
        name="dimension_move",
    ),
    path(P + "versions/<int:version_id>/questions/new/", views.question_new, name="question_new"),
    path(
        P + "versions/<int:version_id>/questions/<path:question_code>/edit/",
        views.question_edit,
        name="question_edit",
    ),
    path(
        P + "versions/<int:version_id>/questions/<path:question_code>/delete/",
        views.question_delete,
        name="question_delete",
    ),
    path(
        P + "versions/<int:version_id>/questions/<path:question_code>/move/",
        views.question_move,
        name="question_move",
    ),
    path(P + "versions/<int:version_id>/validations/", views.validations, name="validations"),
    path(
        P + "versions/<int:version_id>/validations/delete/",
        views.validation_delete,
        name="validation_delete",
    ),
    path(P + "rounds/new/", views.round_new, name="round_new"),
    path(P + "rounds/<int:round_id>/", views.round_detail, name="round"),
    path(P + "rounds/<int:round_id>/overview/", views.round_overview, name="overview"),
    path(P + "settings/", views.settings_edit, name="settings"),
    path(P + "rounds/<int:round_id>/close/", views.round_close, name="round_close"),
    path(P + "rounds/<int:round_id>/reopen/", views.round_reopen, name="round_reopen"),
    path(P + "rounds/<int:round_id>/cancel/", views.round_cancel, name="round_cancel"),
    path(
        P + "rounds/<int:round_id>/overview/excel/",
        views.overview_excel,
        name="overview_excel",
    ),
    path(P + "rounds/<int:round_id>/excel/", views.round_excel, name="round_excel"),
    path(
        P + "rounds/<int:round_id>/excel/upload/",
        views.round_excel_upload,
        name="round_excel_upload",
    ),
    path(P + "responses/<int:response_id>/", views.response_detail, name="response"),
    path(P + "responses/<int:response_id>/report/", views.response_report, name="report"),
    path(
        P + "responses/<int:response_id>/report/measure/",
        views.report_measure,
        name="report_measure",
    ),
    path(P + "responses/<int:response_id>/save/", views.response_save, name="response_save"),
    path(P + "responses/<int:response_id>/excel/", views.response_excel, name="response_excel"),
    path(
        P + "responses/<int:response_id>/excel/upload/",
        views.response_excel_upload,
        name="response_excel_upload",
    ),
    path(
        P + "responses/<int:response_id>/files/",
        views.evidence_upload,
        name="evidence_upload",
    ),
    path(
        P + "responses/<int:response_id>/files/<int:file_id>/",
        views.evidence_download,
        name="evidence_download",
    ),
    path(
        P + "responses/<int:response_id>/files/<int:file_id>/delete/",
        views.evidence_delete,
        name="evidence_delete",
    ),
    path(P + "responses/<int:response_id>/submit/", views.response_submit, name="response_submit"),
    path(P + "responses/<int:response_id>/review/", views.response_review, name="response_review"),
]
