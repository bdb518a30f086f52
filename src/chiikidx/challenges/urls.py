"""Routes of the challenges app: challenges (課題) here, then dialogue records, the process
inventory and the prefecture's common issues from their modules."""

from django.urls import path

from . import views
from .common.urls import urlpatterns as common_urlpatterns
from .dialogue.urls import urlpatterns as dialogue_urlpatterns
from .processes.urls import urlpatterns as process_urlpatterns

app_name = "challenges"

C = "o/<str:lgcode>/challenges/"

urlpatterns = [
    path(C, views.home, name="home"),
]
urlpatterns += dialogue_urlpatterns + process_urlpatterns + common_urlpatterns
