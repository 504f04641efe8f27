"""API routes for protocols and treatment plans (included under /api/)."""

from django.urls import path

from treatments.plans import apis as plan_apis

urlpatterns = [
    path("treatment-plans/", plan_apis.PlanListApi.as_view(), name="api-treatment-plans"),
    path(
        "treatment-plans/proposals/",
        plan_apis.PlanProposalsApi.as_view(),
        name="api-treatment-plan-proposals",
    ),
    path(
        "treatment-plans/<int:pk>/",
        plan_apis.PlanDetailApi.as_view(),
        name="api-treatment-plan-detail",
    ),
    path("protocols/", plan_apis.ProtocolApi.as_view(), name="api-protocols"),
]
