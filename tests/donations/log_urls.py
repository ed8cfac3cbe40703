"""The shop's URLs plus the transparency log mounted as shop/urls.py will mount it (outside the language prefix)."""

from django.urls import include, path

from shop.urls import urlpatterns as shop_urlpatterns

urlpatterns = [
    path("transparency/log/", include("donations.urls")),
    *shop_urlpatterns,
]
