from django.urls import path

from . import views

R = "o/<str:lgcode>/challenges/processes/"
P = R + "<int:process_id>/"

urlpatterns = [
    path(R, views.processes, name="processes"),
    path(R + "new/", views.process_new, name="process_new"),
    path(R + "analysis/", views.process_analysis, name="process_analysis"),
    path(R + "analysis/excel/", views.process_analysis_excel, name="process_analysis_excel"),
    path(R + "compare/", views.process_compare, name="process_compare"),
    path(P, views.process_detail, name="process"),
    path(P + "edit/", views.process_edit, name="process_edit"),
    path(P + "delete/", views.process_delete, name="process_delete"),
    path(P + "steps/", views.process_steps, name="process_steps"),
    path(P + "import/", views.process_import, name="process_import"),
    path(P + "excel/", views.process_excel, name="process_excel"),
    path(
        P + "steps/<int:step_id>/challenge/",
        views.process_step_challenge,
        name="process_step_challenge",
    ),
]
