import oscar.apps.search.apps as apps
from django.conf import settings


class SearchConfig(apps.SearchConfig):
    name = "shop.search"

    def ready(self):
        super().ready()
        if not settings.SEARCH_URL:
            # No search engine configured: search the database instead of
            # haystack's SimpleEngine, which cannot browse or facet.
            from shop.search.views import ProductSearchView

            self.search_view = ProductSearchView
