"""Staff pages for treatment plans and the clinic's protocol versions."""

from django.urls import path

from treatments.plans import views as plan_views

urlpatterns = [
    path("clients/<int:pk>/plans/new/", plan_views.PlanNewView.as_view(), name="plan-new"),
    path("plans/<int:pk>/", plan_views.PlanDetailView.as_view(), name="plan-detail"),
    path("plans/<int:pk>/edit/", plan_views.PlanEditView.as_view(), name="plan-edit"),
    path("protocols/", plan_views.ProtocolListView.as_view(), name="protocol-list"),
    path("protocols/publish/", plan_views.ProtocolPublishView.as_view(), name="protocol-publish"),
    path(
        "protocols/<int:version>/",
        plan_views.ProtocolDetailView.as_view(),
        name="protocol-detail",
    ),
]
