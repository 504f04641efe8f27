from django.apps import AppConfig


class AftercareConfig(AppConfig):
    name = "aftercare"
    verbose_name = "Aftercare"

    def ready(self) -> None:
        from aftercare.notifications import register_kinds

        register_kinds()
