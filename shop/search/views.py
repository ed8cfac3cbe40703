"""Catalogue and category pages served from the database, not the search engine.

Oscar 4 renders these through haystack, which costs a search round trip plus
a query per product. Browsing needs no full-text search: one filtered,
prefetched product query is enough. Free-text search (``/search/``) still
goes through the search app, so a real engine can take over for a large
catalogue (``SEARCH_URL``).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from django.db.models import Q
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from django.views.generic import ListView

from shop.catalogue.freshness import GRID_CACHE_SECONDS, catalogue_version
from shop.catalogue.translation import category_name
from shop.search.selectors import DEFAULT_SORT, SORT_ORDERS, Category, browsable_products, menu_categories


class CatalogueView(ListView):
    template_name = "oscar/catalogue/browse.html"
    context_object_name = "products"
    paginate_by = 20
    summary = _("All merch")

    def get_sort(self) -> str:
        sort = self.request.GET.get("sort_by", DEFAULT_SORT)
        return sort if sort in SORT_ORDERS else DEFAULT_SORT

    def get_queryset(self):
        return browsable_products(sort=self.get_sort())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            catalogue_version=catalogue_version(),
            grid_cache_seconds=GRID_CACHE_SECONDS,
            summary=self.summary,
            categories=menu_categories(),
            sort_by=self.get_sort(),
            sort_choices=[("newest", _("Newest")), ("title", _("Name"))],
        )
        return context


class ProductCategoryView(CatalogueView):
    template_name = "oscar/catalogue/category.html"

    def get(self, request, *args, **kwargs):
        self.category = get_object_or_404(Category, pk=kwargs["pk"])
        if not (self.category.is_public and self.category.ancestors_are_public) and not request.user.is_staff:
            raise Http404()
        expected_path = self.category.get_absolute_url()
        if unquote(expected_path) != unquote(request.path):
            return HttpResponsePermanentRedirect(expected_path)
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return browsable_products(category=self.category, sort=self.get_sort())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["category"] = self.category
        context["summary"] = category_name(self.category)
        return context


class ProductSearchView(CatalogueView):
    """Free-text search over titles and descriptions, for shops without a search engine."""

    template_name = "oscar/search/results.html"

    def get_query(self) -> str:
        return self.request.GET.get("q", "").strip()[:100]

    def get_queryset(self):
        query = self.get_query()
        products = browsable_products(sort=self.get_sort())
        if not query:
            return products.none()
        return products.filter(
            Q(title__icontains=query) | Q(description__icontains=query) | Q(upc__iexact=query)
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["query"] = self.get_query()
        context["summary"] = _("Search")
        context["grid_cache_seconds"] = 0  # free text: not worth a cache entry per query
        return context
