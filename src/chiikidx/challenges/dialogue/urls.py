from django.urls import path

from . import views

R = "o/<str:lgcode>/challenges/dialogue/"
D = R + "<int:record_id>/"
P = R + "opinions/<int:opinion_id>/"
A = D + "attachments/<int:attachment_id>/"

urlpatterns = [
    path(R, views.dialogues, name="dialogues"),
    path(R + "new/", views.dialogue_new, name="dialogue_new"),
    path(R + "import-template/", views.import_template, name="dialogue_import_template"),
    path(D, views.dialogue_detail, name="dialogue"),
    path(D + "edit/", views.dialogue_edit, name="dialogue_edit"),
    path(D + "delete/", views.dialogue_delete, name="dialogue_delete"),
    path(D + "challenge/", views.dialogue_challenge, name="dialogue_challenge"),
    path(D + "import/", views.dialogue_import, name="dialogue_import"),
    path(D + "attachments/", views.attachment_upload, name="dialogue_attachment_upload"),
    path(A, views.attachment_download, name="dialogue_attachment"),
    path(A + "delete/", views.attachment_delete, name="dialogue_attachment_delete"),
    path(D + "opinions/new/", views.opinion_new, name="opinion_new"),
    path(P + "edit/", views.opinion_edit, name="opinion_edit"),
    path(P + "delete/", views.opinion_delete, name="opinion_delete"),
    path(P + "challenge/", views.opinion_challenge, name="opinion_challenge"),
]
