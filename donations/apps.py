from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DonationsConfig(AppConfig):
    """The proceeds ledger, disbursements and transparency (grows with the ledger issue)."""

    name = "donations"
    verbose_name = _("Donations and proceeds")

    def ready(self) -> None:
        from donations import checks  # noqa: F401 -- registers the system checks
