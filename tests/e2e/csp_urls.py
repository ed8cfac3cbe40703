"""The shop's URLs plus two test-only pages that simulate a template bug.

Every stored text in Proceeds is escaped; these pages render one unescaped
(``|safe``), inside the real public layout and the real finance workspace
layout, so the browser test can show that the Content-Security-Policy stops
what such a bug would let through.
"""

from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.template import engines
from django.urls import path
from oscar.core.loading import get_model

from donations.models import Disbursement
from shop.urls import urlpatterns as shop_urlpatterns

Product = get_model("catalogue", "Product")

PUBLIC_PAGE = """{% extends "oscar/layout.html" %}
{% block headertext %}Probe{% endblock %}
{% block content %}<div id="stored-text">{{ product.title|safe }}</div>{% endblock %}"""

FINANCE_PAGE = """{% extends "donations/dashboard/layout.html" %}
{% block dashboard_content %}<div id="stored-text">{{ disbursement.notes|safe }}</div>{% endblock %}"""


def product_title_unescaped(request: HttpRequest, pk: int) -> HttpResponse:
    product = get_object_or_404(Product, pk=pk)
    return HttpResponse(engines["django"].from_string(PUBLIC_PAGE).render({"product": product}, request))


@staff_member_required
def disbursement_notes_unescaped(request: HttpRequest, pk: int) -> HttpResponse:
    disbursement = get_object_or_404(Disbursement, pk=pk)
    context = {"disbursement": disbursement, "title": "Probe"}
    return HttpResponse(engines["django"].from_string(FINANCE_PAGE).render(context, request))


urlpatterns = [
    path("en/csp-probe/product/<int:pk>/", product_title_unescaped),
    path("en/dashboard/finance/csp-probe/<int:pk>/", disbursement_notes_unescaped),
    *shop_urlpatterns,
]
