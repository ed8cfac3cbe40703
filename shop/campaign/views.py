from django.utils import timezone
from django.views.generic import TemplateView

from donations.transparency_selectors import headline
from shop.campaign.selectors import campaign_content, donation_product, featured_products
from shop.catalogue.freshness import GRID_CACHE_SECONDS, catalogue_version


class HomeView(TemplateView):
    """The campaign first: its message, then the merch that funds aid."""

    template_name = "campaign/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            campaign=campaign_content(),
            products=featured_products(),
            catalogue_version=catalogue_version(),
            grid_cache_seconds=GRID_CACHE_SECONDS,
            donation=donation_product(),
            # The public ledger's headline at the latest checkpoint (2 queries; None before the first).
            transparency=headline(today=timezone.localdate()),
        )
        return context
