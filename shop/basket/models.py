from oscar.apps.basket.abstract_models import AbstractBasket


class Basket(AbstractBasket):
    def get_stock_info(self, product, options):
        """Price a line from its options too, so a donation is added at its chosen amount.

        Oscar leaves this hook for option-dependent strategies; without it the
        line's stored price would be the minimum gift and Oscar would warn that
        the price had changed.
        """
        return self.strategy.fetch_for_product_with_options(product, options or [])


from oscar.apps.basket.models import *  # noqa: E402, F403 -- Oscar's fork pattern: ours first
