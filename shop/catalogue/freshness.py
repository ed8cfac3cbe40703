"""A version number for the public catalogue, so rendered product grids can be cached.

Product grids (catalogue, category and home pages) are cached under the current
version; any change to what a card shows bumps it, and every cached grid is
then stale at once. This is cache invalidation, not a business rule: it is the
one place where a model signal is the right tool, because product, stock and
image changes come from Oscar's own dashboard views.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import cache

CATALOGUE_VERSION_KEY = "catalogue-version"
# A cached grid is re-rendered at least this often, whatever the signals saw
# (e.g. rows changed by a queryset update, which sends no signal).
GRID_CACHE_SECONDS = 300


def catalogue_version() -> int:
    version = cache.get(CATALOGUE_VERSION_KEY)
    if version is None:
        cache.add(CATALOGUE_VERSION_KEY, 1, timeout=None)
        version = cache.get(CATALOGUE_VERSION_KEY, 1)
    return version


def bump_catalogue_version(**kwargs: Any) -> None:
    try:
        cache.incr(CATALOGUE_VERSION_KEY)
    except ValueError:
        cache.set(CATALOGUE_VERSION_KEY, 2, timeout=None)
