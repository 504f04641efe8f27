from common.apps import DomainAppConfig


class ClinicConfig(DomainAppConfig):
    default = True  # apps.py also imports the DomainAppConfig base
    name = "clinic"
    verbose_name = "Clinic"
    domain_packages = ("messaging", "booking")

    def ready(self) -> None:
        from clinic import checks as account_checks  # noqa: F401  (registers the checks)
        from clinic.booking.notifications import register_kinds
        from clinic.messaging import checks  # noqa: F401  (registers the system checks)
        from clinic.messaging.health import outbox_lag
        from common.health import register as register_health_check

        register_kinds()
        register_health_check("outbox", outbox_lag)
