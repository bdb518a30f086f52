from django.urls import path

from . import views

R = "o/<str:lgcode>/monitoring/reviews/"

urlpatterns = [
    path(R, views.review_list, name="reviews"),
    path(R + "new/", views.review_new, name="review_new"),
    path(R + "follow-ups/mine/", views.follow_ups_mine, name="follow_ups_mine"),
    path(R + "<int:review_id>/", views.review_detail, name="review"),
    path(R + "<int:review_id>/edit/", views.review_edit, name="review_edit"),
    path(R + "<int:review_id>/delete/", views.review_delete, name="review_delete"),
    path(R + "<int:review_id>/sign-off/", views.review_sign_off, name="review_sign_off"),
    path(R + "<int:review_id>/reopen/", views.review_reopen, name="review_reopen"),
    path(R + "<int:review_id>/follow-ups/new/", views.follow_up_new, name="follow_up_new"),
    path(
        R + "<int:review_id>/carry/<int:follow_up_id>/",
        views.review_carry,
        name="review_carry",
    ),
    path(R + "follow-ups/<int:follow_up_id>/edit/", views.follow_up_edit, name="follow_up_edit"),
    path(
        R + "follow-ups/<int:follow_up_id>/delete/",
        views.follow_up_delete,
        name="follow_up_delete",
    ),
    path(
        R + "follow-ups/<int:follow_up_id>/status/",
        views.follow_up_status,
        name="follow_up_status",
    ),
]
