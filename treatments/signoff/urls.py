from django.urls import path

from treatments.signoff import views

urlpatterns = [
    path("clinic/sign-off/", views.SignOffView.as_view(), name="clinical-sign-off"),
]
