from django.apps import AppConfig


class PrecareConfig(AppConfig):
    name = "precare"
    verbose_name = "Preparation before the visit"

    def ready(self) -> None:
        from clinic.booking.hooks import on_appointment_changed
        from precare.notifications import register_kinds
        from precare.services import precare_on_appointment_changed

        register_kinds()
        # Booking (below) plans the preparation through one registered hook.
        on_appointment_changed(precare_on_appointment_changed)
