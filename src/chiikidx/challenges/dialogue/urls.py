from django.urls import path

from . import views

R = "o/<str:lgcode>/challenges/dialogue/"

urlpatterns = [
    path(R, views.dialogues, name="dialogues"),
]
