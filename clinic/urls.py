from django.contrib.auth import views as auth_views
from django.urls import path

from clinic import clinic_views, import_views, views
from clinic.audit import views as audit_views
from clinic.forms import EmailAuthenticationForm, StaffPasswordResetForm

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            authentication_form=EmailAuthenticationForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "account/forgot-password/",
        auth_views.PasswordResetView.as_view(
            form_class=StaffPasswordResetForm,
            email_template_name="registration/password_reset_email.txt",
            subject_template_name="registration/password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path(
        "account/forgot-password/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "account/set-password/<uidb64>/<token>/",
        views.PasswordSetView.as_view(),
        name="password_reset_confirm",
    ),
    path("account/session/", views.SessionStatusView.as_view(), name="session-status"),
    path("clinic/switch/", views.SwitchClinicView.as_view(), name="switch-clinic"),
    path("clients/", views.ClientListView.as_view(), name="client-list"),
    path("clients/new/", views.ClientCreateView.as_view(), name="client-create"),
    path("clients/import/", import_views.ClientImportView.as_view(), name="client-import"),
    path("clients/<int:pk>/", views.ClientDetailView.as_view(), name="client-detail"),
    path("clients/<int:pk>/edit/", views.ClientEditView.as_view(), name="client-edit"),
    path("clinic/settings/", clinic_views.ClinicSettingsView.as_view(), name="clinic-settings"),
    path("clinic/settings/logo/", clinic_views.ClinicLogoView.as_view(), name="clinic-logo-edit"),
    path("clinic/logo/", clinic_views.ClinicLogoFileView.as_view(), name="clinic-logo"),
    path("staff/", views.StaffView.as_view(), name="staff"),
    path("audit/", audit_views.AuditListView.as_view(), name="audit"),
    path("audit/export.csv", audit_views.AuditExportView.as_view(), name="audit-csv"),
    path("staff/<int:pk>/", views.StaffEditView.as_view(), name="staff-edit"),
    path("staff/<int:pk>/unlock/", views.StaffUnlockView.as_view(), name="staff-unlock"),
    path(
        "staff/invitations/<int:pk>/resend/",
        views.StaffInvitationView.as_view(),
        {"action": "resend"},
        name="staff-invitation-resend",
    ),
    path(
        "staff/invitations/<int:pk>/revoke/",
        views.StaffInvitationView.as_view(),
        {"action": "revoke"},
        name="staff-invitation-revoke",
    ),
    path(
        "invitations/<str:token>/", views.InvitationAcceptView.as_view(), name="invitation-accept"
    ),
]
