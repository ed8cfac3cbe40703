from oscar.apps.basket import views as oscar_views
from oscar.core.loading import get_class

CheckoutSessionData = get_class("checkout.utils", "CheckoutSessionData")
CheckoutSessionMixin = get_class("checkout.session", "CheckoutSessionMixin")
Repository = get_class("shipping.repository", "Repository")


class BasketView(oscar_views.BasketView):
    def get_default_shipping_method(self, basket):
        """Shipping for the address the supporter gave at checkout, or "from" the cheapest until they give one."""
        return Repository().get_default_shipping_method(
            basket=basket,
            user=self.request.user,
            request=self.request,
            shipping_addr=self.known_shipping_address(basket),
        )

    def known_shipping_address(self, basket):
        """The checkout's shipping address, when a supporter comes back to the basket from checkout.

        Read exactly as checkout reads it (a new address kept in the session,
        or one from the customer's address book), by Oscar's own code.
        """
        checkout = CheckoutSessionMixin()
        checkout.request = self.request
        checkout.checkout_session = CheckoutSessionData(self.request)
        return checkout.get_shipping_address(basket)
