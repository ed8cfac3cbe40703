from oscar.apps.checkout import utils


class CheckoutSessionData(utils.CheckoutSessionData):
    """Oscar's checkout session, which also remembers the Nova Poshta branch or parcel locker."""

    def use_pickup_point(self, number: str) -> None:
        self._set("shipping", "pickup_point", number)

    def pickup_point(self) -> str:
        return self._get("shipping", "pickup_point", "") or ""
