"""Routes of the prefecture's common issues (県内の共通課題): a prefecture's workspace only."""

from django.urls import path

from . import views

C = "o/<str:lgcode>/challenges/common/"
G = C + "groups/<int:group_id>/"

urlpatterns = [
    path(C, views.common, name="common"),
    path(C + "groups/", views.common_groups, name="common_groups"),
    path(C + "groups/new/", views.common_group_new, name="common_group_new"),
    path(G, views.common_group, name="common_group"),
    path(G + "edit/", views.common_group_edit, name="common_group_edit"),
    path(G + "members/", views.common_group_members, name="common_group_members"),
    path(
        G + "members/<int:challenge_id>/remove/",
        views.common_group_member_remove,
        name="common_group_member_remove",
    ),
    path(G + "study-group/", views.common_group_study, name="common_group_study"),
    path(G + "measure/", views.common_group_measure, name="common_group_measure"),
    path(G + "delete/", views.common_group_delete, name="common_group_delete"),
]
