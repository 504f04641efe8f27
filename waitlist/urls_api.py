"""Waitlist API routes, included under /api/ by config/urls.py."""

from django.urls import path

from waitlist import apis

urlpatterns = [
    path(
        "portal/<slug:clinic_slug>/waitlist/",
        apis.PortalWaitlistApi.as_view(),
        name="api-portal-waitlist",
    ),
    path("waitlist/", apis.WaitlistListApi.as_view(), name="api-waitlist"),
    path("waitlist/<int:pk>/", apis.WaitlistEntryApi.as_view(), name="api-waitlist-entry"),
    path("waitlist/<int:pk>/offers/", apis.WaitlistOfferApi.as_view(), name="api-waitlist-offers"),
]
