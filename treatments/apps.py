from common.apps import DomainAppConfig


class TreatmentsConfig(DomainAppConfig):
    default = True  # apps.py also imports the DomainAppConfig base
    name = "treatments"
    verbose_name = "Treatments"
    domain_packages = ("screening", "plans", "consent", "signoff", "records")

    def ready(self) -> None:
        from treatments.consent.models import ConsentText
        from treatments.plans.models import ProtocolSet
        from treatments.screening.intake import register_kinds as register_intake_kinds
        from treatments.screening.models import RuleSet
        from treatments.signoff.datasets import register

        # The clinical data the medical director signs off (decision 0019).
        register("screening_rules", "Screening rules", RuleSet, "rule-set-list")
        register("protocols", "Treatment protocols", ProtocolSet, "protocol-list")
        register("consent_text", "Consent text", ConsentText, "consent-text-list")
        # The e-mail carrying an online intake link (decision 0020).
        register_intake_kinds()
