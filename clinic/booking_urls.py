"""Staff pages for booking (see clinic/booking_views.py)."""

urlpatterns: list = []
