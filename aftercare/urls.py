"""Client-facing and staff aftercare pages."""

urlpatterns: list = []
