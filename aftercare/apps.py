from django.apps import AppConfig


class AftercareConfig(AppConfig):
    name = "aftercare"
    verbose_name = "Aftercare"

    def ready(self) -> None:
        from aftercare.notifications import register_kinds
        from aftercare.schedules import aftercare_on_session_signed
        from treatments.records.signing import on_session_signed

        register_kinds()
        from aftercare.models import AftercareTemplate
        from treatments.signoff.datasets import register

        register("aftercare", "Aftercare template", AftercareTemplate)
        # The one upward call: signing a session (records) schedules its aftercare.
        on_session_signed(aftercare_on_session_signed)
