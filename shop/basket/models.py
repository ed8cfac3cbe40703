from oscar.apps.basket.abstract_models import AbstractBasket, AbstractLine

from shop.catalogue.translation import line_title
from shop.donation import is_donation


class Basket(AbstractBasket):
    def get_stock_info(self, product, options):
        """Price a line from its options too, so a donation is added at its chosen amount.

        Oscar leaves this hook for option-dependent strategies; without it the
        line's stored price would be the minimum gift and Oscar would warn that
        the price had changed.
        """
        return self.strategy.fetch_for_product_with_options(product, options or [])


class Line(AbstractLine):
    @property
    def description(self):
        # "A gift (Amount = '25.00')" reads like a product option; a gift is a
        # gift (line_title names it so, with no options).
        description = line_title(self)
        if is_donation(self.product):
            return description
        options = [f"{attribute.option.name} = {attribute.value}" for attribute in self.attributes.all()]
        return f"{description} ({', '.join(options)})" if options else description


from oscar.apps.basket.models import *  # noqa: E402, F403 -- Oscar's fork pattern: ours first
