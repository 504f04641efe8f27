"""Staff pages for screening: taking and reading screenings, and the clinic's rule sets."""

from django.urls import path

from treatments.screening import intake_views, views

urlpatterns = [
    path(
        "clients/<int:pk>/screenings/new/",
        views.ScreeningNewView.as_view(),
        name="screening-new",
    ),
    path(
        "clients/<int:pk>/screenings/live/",
        views.ScreeningLiveOutcomeView.as_view(),
        name="screening-live-outcome",
    ),
    path("screenings/<int:pk>/", views.ScreeningDetailView.as_view(), name="screening-detail"),
    path(
        "screenings/<int:pk>/review/",
        views.ScreeningReviewView.as_view(),
        name="screening-review",
    ),
    path(
        "screenings/<int:pk>/confirm/",
        views.ScreeningConfirmView.as_view(),
        name="screening-confirm",
    ),
    # Online intake (decision 0020): the client's page, and the client page's buttons.
    path("intake/<str:token>/", intake_views.intake_page, name="intake-page"),
    path("intake/<str:token>/live/", intake_views.intake_live, name="intake-live"),
    path(
        "clients/<int:pk>/intake-link/",
        intake_views.IntakeLinkSendView.as_view(),
        name="intake-link-send",
    ),
    path(
        "clients/<int:pk>/intake-link/<int:link_pk>/revoke/",
        intake_views.IntakeLinkRevokeView.as_view(),
        name="intake-link-revoke",
    ),
    path("screening/rules/", views.RuleSetListView.as_view(), name="rule-set-list"),
    path(
        "screening/rules/publish/",
        views.RuleSetPublishView.as_view(),
        name="rule-set-publish",
    ),
    path(
        "screening/rules/<int:version>/",
        views.RuleSetDetailView.as_view(),
        name="rule-set-detail",
    ),
]
