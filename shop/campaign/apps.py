from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignConfig(AppConfig):
    """The campaign's own page: its message, the rights violated, how to help."""

    name = "shop.campaign"
    label = "campaign"
    verbose_name = _("Campaign page")
