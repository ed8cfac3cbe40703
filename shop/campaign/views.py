from django.views.generic import TemplateView

from shop.campaign.selectors import campaign_content, donation_product, featured_products


class HomeView(TemplateView):
    """The campaign first: its message, then the merch that funds aid."""

    template_name = "campaign/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            campaign=campaign_content(),
            products=featured_products(),
            donation=donation_product(),
        )
        return context
