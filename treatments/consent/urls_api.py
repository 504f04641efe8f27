"""API routes for informed consent (included under /api/)."""

from django.urls import path

from treatments.consent import apis as consent_apis

urlpatterns = [
    path("consents/", consent_apis.ConsentListApi.as_view(), name="api-consent-list"),
    path("consents/<int:pk>/", consent_apis.ConsentDetailApi.as_view(), name="api-consent-detail"),
    path("consents/<int:pk>/pdf/", consent_apis.ConsentPdfApi.as_view(), name="api-consent-pdf"),
    path(
        "consent-texts/",
        consent_apis.ConsentTextListApi.as_view(),
        name="api-consent-text-list",
    ),
    path(
        "consent-texts/current/",
        consent_apis.ConsentTextCurrentApi.as_view(),
        name="api-consent-text-current",
    ),
]
