from django.utils.translation import gettext
from oscar.apps.basket.abstract_models import AbstractBasket, AbstractLine

from shop.catalogue.translation import product_title
from shop.catalogue.variants import attribute_values_prefetch
from shop.donation import is_donation


class Basket(AbstractBasket):
    def get_stock_info(self, product, options):
        """Price a line from its options too, so a donation is added at its chosen amount.

        Oscar leaves this hook for option-dependent strategies; without it the
        line's stored price would be the minimum gift and Oscar would warn that
        the price had changed.
        """
        return self.strategy.fetch_for_product_with_options(product, options or [])

    def all_lines(self):
        """Oscar's lines, with what each line shows of its variant (size, colour) loaded at once."""
        if self.id is not None and self._lines is None:
            self._lines = super().all_lines().prefetch_related(attribute_values_prefetch("product__attribute_values"))
        return super().all_lines()


class Line(AbstractLine):
    @property
    def description(self):
        # "A gift (Amount = '25.00')" reads like a product option; a gift is a gift.
        if is_donation(self.product):
            return gettext("Donation to the aid fund")
        description = product_title(self.product)
        options = [f"{attribute.option.name} = {attribute.value}" for attribute in self.attributes.all()]
        return f"{description} ({', '.join(options)})" if options else description


from oscar.apps.basket.models import *  # noqa: E402, F403 -- Oscar's fork pattern: ours first
