"""Staff pages for informed consent: the capture screen, signed consents, consent texts."""

from django.urls import path

from treatments.consent import views as consent_views

urlpatterns = [
    path("clients/<int:pk>/consent/", consent_views.ConsentNewView.as_view(), name="consent-new"),
    path(
        "clients/<int:pk>/consent/client-mode/",
        consent_views.ConsentClientModeStartView.as_view(),
        name="consent-client-mode",
    ),
    path(
        "consent-mode/leave/",
        consent_views.ConsentClientModeLeaveView.as_view(),
        name="consent-client-leave",
    ),
    path("consents/<int:pk>/", consent_views.ConsentDetailView.as_view(), name="consent-detail"),
    path("consents/<int:pk>/pdf/", consent_views.ConsentPdfView.as_view(), name="consent-pdf"),
    path("consent-texts/", consent_views.ConsentTextListView.as_view(), name="consent-text-list"),
    path(
        "consent-texts/publish/",
        consent_views.ConsentTextPublishView.as_view(),
        name="consent-text-publish",
    ),
]
