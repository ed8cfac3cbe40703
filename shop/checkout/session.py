from django.urls import reverse
from django.utils.translation import gettext as _
from oscar.apps.checkout import exceptions, session

from shop.shipping.pickup import needs_pickup_point


class CheckoutSessionMixin(session.CheckoutSessionMixin):
    def check_a_valid_shipping_method_is_captured(self):
        """Oscar's check, and a Nova Poshta delivery must also know its branch or parcel locker."""
        super().check_a_valid_shipping_method_is_captured()
        method = self.get_shipping_method(self.request.basket, self.get_shipping_address(self.request.basket))
        if needs_pickup_point(method) and not self.checkout_session.pickup_point():
            raise exceptions.FailedPreCondition(
                url=reverse("checkout:shipping-method"),
                message=_("Please enter the number of the Nova Poshta branch or parcel locker."),
            )

    def pickup_point_for(self, method) -> str:
        """The branch or parcel locker number for this method, or "" when it delivers to the address."""
        return self.checkout_session.pickup_point() if needs_pickup_point(method) else ""
