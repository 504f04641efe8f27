"""Waitlist pages: staff and public (decision 0022)."""

from django.urls import path

from waitlist import views

urlpatterns = [
    path("waitlist/", views.WaitlistView.as_view(), name="waitlist"),
    path("waitlist/<int:pk>/offer/", views.WaitlistOfferView.as_view(), name="waitlist-offer"),
    path("waitlist/<int:pk>/remove/", views.WaitlistRemoveView.as_view(), name="waitlist-remove"),
    # Public (no login); "waitlist" is a reserved slug, so these never name a clinic.
    path(
        "book/waitlist/course/<str:token>/",
        views.course_join_page,
        name="waitlist-course-join",
    ),
    path("book/waitlist/<str:token>/", views.entry_page, name="waitlist-entry-page"),
    path("book/<slug:slug>/waitlist/", views.join_page, name="waitlist-join"),
]
