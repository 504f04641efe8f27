"""Staff pages for screening: taking and reading screenings, and the clinic's rule sets."""

from django.urls import path

from treatments.screening import views

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
