"""Routes of the challenges app: challenges (課題) here, then dialogue records, the process
inventory and the prefecture's common issues from their modules."""

from django.urls import path

from . import triage_views, views
from .common.urls import urlpatterns as common_urlpatterns
from .dialogue.urls import urlpatterns as dialogue_urlpatterns
from .processes.urls import urlpatterns as process_urlpatterns

app_name = "challenges"

C = "o/<str:lgcode>/challenges/"

urlpatterns = [
    path(C, views.home, name="home"),
    path(C + "new/", views.challenge_new, name="challenge_new"),
    path(C + "settings/", views.settings_page, name="settings"),
    path(C + "<int:challenge_id>/", views.challenge_detail, name="challenge"),
    path(C + "<int:challenge_id>/edit/", views.challenge_edit, name="challenge_edit"),
    path(C + "<int:challenge_id>/status/", views.challenge_status, name="challenge_status"),
    path(C + "<int:challenge_id>/share/", views.challenge_share, name="challenge_share"),
    path(C + "<int:challenge_id>/unshare/", views.challenge_unshare, name="challenge_unshare"),
    path(C + "<int:challenge_id>/escalate/", views.challenge_escalate, name="challenge_escalate"),
    path(C + "<int:challenge_id>/withdraw/", views.challenge_withdraw, name="challenge_withdraw"),
    path(C + "<int:challenge_id>/measure/", views.challenge_measure, name="challenge_measure"),
]
urlpatterns += dialogue_urlpatterns + process_urlpatterns + common_urlpatterns

# Triage: the bulk scoring table, the priority map and the Excel export and import.
urlpatterns += [
    path(C + "scoring/", triage_views.scoring, name="scoring"),
    path(C + "scoring/<int:challenge_id>/", triage_views.scoring_save, name="scoring_save"),
    path(C + "map/", triage_views.priority_map, name="map"),
    path(C + "map/measures/", triage_views.map_measures, name="map_measures"),
    path(C + "export/", triage_views.export, name="export"),
    path(C + "import/", triage_views.import_page, name="import"),
    path(C + "import/template/", triage_views.import_template, name="import_template"),
]
