from django.conf import settings

from shop.donation import SUGGESTED_AMOUNTS, donation_limits


def campaign(request):
    """Values every page's layout needs: the hashtag, the currency, the gift limits."""
    minimum, maximum = donation_limits()
    return {
        "campaign_hashtag": "#territoriesarepeople",
        "shop_currency": settings.OSCAR_DEFAULT_CURRENCY,
        "donation_min": minimum,
        "donation_max": maximum,
        "suggested_donation_amounts": SUGGESTED_AMOUNTS,
    }
