from django.apps import AppConfig


class PrecareConfig(AppConfig):
    name = "precare"
    verbose_name = "Preparation before the visit"

    def ready(self) -> None:
        from clinic.booking.hooks import on_appointment_changed, on_appointment_readiness
        from precare.notifications import register_kinds
        from precare.readiness import readiness_for_api
        from precare.services import precare_on_appointment_changed

        register_kinds()
        from precare.models import PrecareTemplate
        from treatments.signoff.datasets import register

        register("preparation", "Preparation template", PrecareTemplate, "precare-template")
        # Booking (below) plans the preparation through one registered hook.
        on_appointment_changed(precare_on_appointment_changed)
        # ... and shows the readiness check on the appointment (decision 0018).
        on_appointment_readiness(readiness_for_api)
