from django.urls import path

from . import views

R = "o/<str:lgcode>/challenges/processes/"

urlpatterns = [
    path(R, views.processes, name="processes"),
]
