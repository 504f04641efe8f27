from common.apps import DomainAppConfig


class TreatmentsConfig(DomainAppConfig):
    default = True  # apps.py also imports the DomainAppConfig base
    name = "treatments"
    verbose_name = "Treatments"
    domain_packages = ("screening", "plans", "consent", "records")
