"""Staff pages for screening (filled in by treatments/views.py)."""

urlpatterns: list = []
