from django.http import Http404
from oscar.apps.catalogue import views as oscar_views

from shop.catalogue.freshness import GRID_CACHE_SECONDS, catalogue_version
from shop.catalogue.selectors import Product, product_for_page, product_page_products, share_image_url


class ProductDetailView(oscar_views.ProductDetailView):
    def get_queryset(self):
        return product_page_products()

    def get_object(self, queryset=None):
        if hasattr(self, "object"):
            return self.object
        try:
            return product_for_page(int(self.kwargs["pk"]))
        except Product.DoesNotExist as exc:
            raise Http404("No such product") from exc

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        strategy = self.request.strategy
        product = self.object
        context["purchase_info"] = (
            strategy.fetch_for_parent(product) if product.is_parent else strategy.fetch_for_product(product)
        )
        context["share_image_url"] = share_image_url(product)
        context["catalogue_version"] = catalogue_version()
        context["grid_cache_seconds"] = GRID_CACHE_SECONDS
        return context

    def send_signal(self, request, response, product):
        """Record nothing about who looked at what.

        Oscar's receivers write a row per product view (a counter and, for
        signed-in customers, their browsing history). Which merch a supporter
        looked at is nobody's business, and a write on every view serialises
        busy product pages on one hot row.
        """
