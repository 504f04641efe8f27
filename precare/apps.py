from django.apps import AppConfig


class PrecareConfig(AppConfig):
    name = "precare"
    verbose_name = "Preparation before the visit"

    def ready(self) -> None:
        from clinic.booking.hooks import on_appointment_changed
        from precare.notifications import register_kinds
        from precare.services import precare_on_appointment_changed

        register_kinds()
        from precare.models import PrecareTemplate
        from treatments.signoff.datasets import register

        register("preparation", "Preparation template", PrecareTemplate, "precare-template")
        # Booking (below) plans the preparation through one registered hook.
        on_appointment_changed(precare_on_appointment_changed)
