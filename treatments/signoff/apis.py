"""``GET/POST /api/clinic/sign-off/``: the clinical sign-off (decision 0019)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from clinic.access import acting_membership
from clinic.permissions import allows
from clinic.reauth import password_confirm
from clinic.roles import Ability
from common.schema import ErrorSerializer
from treatments.signoff import selectors, services
from treatments.signoff.models import ClinicalSignOff


class SignOffSerializer(serializers.ModelSerializer):
    class Meta:
        model = ClinicalSignOff
        fields = ["id", "signed_by", "signed_by_name", "role", "signed_at", "versions"]
        read_only_fields = fields


class SignOffStatusSerializer(serializers.Serializer):
    covered = serializers.BooleanField(help_text="Treatments may be booked.")
    reason = serializers.CharField(help_text="Why not, when not covered; empty otherwise.")
    in_force = serializers.DictField(
        child=serializers.IntegerField(), help_text="Data set → version in force."
    )
    changed = serializers.ListField(
        child=serializers.CharField(),
        help_text="Data sets with a version newer than the latest sign-off covers.",
    )
    latest = SignOffSerializer(allow_null=True)


class SignOffInputSerializer(serializers.Serializer):
    password = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        max_length=4096,
        write_only=True,
        style={"input_type": "password"},
        help_text="The signer's own password, again: signing off is their signature "
        "(400 `password_required` / `wrong_password`, 429 `locked_out`).",
    )
    accept = serializers.BooleanField(
        help_text="True: the signer has reviewed the clinical data in force and accepts it."
    )
    versions = serializers.DictField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        help_text="The versions reviewed (as `in_force` answered); 409 `versions_changed` "
        "if a newer one was published meanwhile.",
    )


def _status_data(clinic) -> dict:
    state = selectors.sign_off_status(clinic=clinic)
    return SignOffStatusSerializer(
        {
            "covered": state.covered,
            "reason": state.reason,
            "in_force": state.in_force,
            "changed": [d.key for d in state.changed],
            "latest": state.latest,
        }
    ).data


class SignOffApi(APIView):
    """Whether the clinical data in force is signed off; practitioners and managers sign."""

    permission_classes = [allows(Ability.SIGN_OFF, reads_for_all=True)]

    @extend_schema(responses={200: SignOffStatusSerializer})
    def get(self, request):
        return Response(_status_data(acting_membership(request).clinic))

    @extend_schema(
        request=SignOffInputSerializer,
        responses={
            201: SignOffStatusSerializer,
            400: OpenApiResponse(
                ErrorSerializer,
                description="Invalid input; `password_required` or `wrong_password` when "
                "the signer's password is missing or wrong (nothing is signed).",
            ),
            429: OpenApiResponse(
                ErrorSerializer,
                description="`locked_out`: too many wrong passwords for the account, as at "
                "sign-in (wait for the cool-off or ask a manager to unlock it).",
            ),
        },
    )
    def post(self, request):
        membership = acting_membership(request)
        data = SignOffInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # As on the page: the signer's password again, refusals audited (decision 0011).
        password_confirm(
            request=request._request,
            password=data.validated_data.get("password", ""),
            purpose=services.PASSWORD_PURPOSE,
            object_type="clinical_sign_off",
            clinic_id=membership.clinic.pk,
        )
        services.clinical_sign_off(
            clinic=membership.clinic,
            actor=request.user,
            role=membership.role,
            accepted=data.validated_data["accept"],
            expected=data.validated_data.get("versions"),
        )
        return Response(_status_data(membership.clinic), status=status.HTTP_201_CREATED)
