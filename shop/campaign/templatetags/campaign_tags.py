"""Template tags for sharing and languages: Open Graph URLs, share links, switcher."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.urls import translate_url
from django.utils.translation import get_language, gettext

from shop.catalogue import translation as catalogue_translation
from shop.catalogue.translation import category_name, product_description, product_title

register = template.Library()


def _absolute(request, url: str) -> str:
    if url.startswith(("http://", "https://")):
        return url
    if request is not None:
        return request.build_absolute_uri(url)
    return settings.SITE_URL.rstrip("/") + url


@register.simple_tag(takes_context=True)
def absolute_url(context, url: str) -> str:
    """An absolute address for Open Graph tags and share links."""
    return _absolute(context.get("request"), url)


@register.simple_tag(takes_context=True)
def absolute_static(context, path: str) -> str:
    return _absolute(context.get("request"), static(path))


@register.simple_tag(takes_context=True)
def share_links(context, url: str, text: str) -> list[dict[str, str]]:
    """Links that open each network's own share dialog; no scripts, no trackers."""
    page_url = _absolute(context.get("request"), url)
    hashtag = context.get("campaign_hashtag", "#territoriesarepeople").lstrip("#")
    return [
        {"name": "Facebook", "icon": "",
         "href": "https://www.facebook.com/sharer/sharer.php?" + urlencode({"u": page_url})},
        {"name": "X", "icon": "",
         "href": "https://twitter.com/intent/tweet?" + urlencode({"url": page_url, "text": text, "hashtags": hashtag})},
        {"name": "Telegram", "icon": "",
         "href": "https://t.me/share/url?" + urlencode({"url": page_url, "text": f"{text} #{hashtag}"})},
        {"name": "WhatsApp", "icon": "",
         "href": "https://wa.me/?" + urlencode({"text": f"{text} {page_url} #{hashtag}"})},
        {"name": gettext("Email"), "icon": "fas fa-envelope",
         "href": f"mailto:?subject={quote(text)}&body={quote(page_url)}"},
    ]


@register.simple_tag(takes_context=True)
def language_links(context) -> list[dict[str, object]]:
    """The current page in each language, for the switcher and hreflang links."""
    request = context.get("request")
    path = request.get_full_path() if request is not None else "/"
    current = get_language()
    links = []
    for code, name in settings.LANGUAGES:
        url = _in_language(path, current, code)
        links.append(
            {"code": code, "name": name, "url": url, "absolute_url": _absolute(request, url), "active": code == current}
        )
    return links


def _in_language(path: str, current: str, code: str) -> str:
    """The same page in another language: swap the /uk/ or /en/ prefix that every storefront URL has."""
    prefix = f"/{current}/"
    if path.startswith(prefix):
        return f"/{code}/{path[len(prefix):]}"
    return translate_url(path, code)


@register.simple_tag
def og_locale() -> str:
    return {"uk": "uk_UA", "en": "en_GB"}.get(get_language() or "uk", "uk_UA")


@register.filter
def localised_title(product) -> str:
    return product_title(product)


@register.filter
def localised_description(product) -> str:
    return product_description(product)


@register.filter
def localised_name(category) -> str:
    return category_name(category)


@register.filter
def image_alt(image, product) -> str:
    """``{{ image|image_alt:product }}``: the caption on /en/, the product's title in other languages."""
    return catalogue_translation.image_alt(image, product)


@register.filter
def address_lines(address) -> list[str]:
    """The address's lines, the country named in the page's language."""
    return catalogue_translation.address_lines(address)


@register.filter
def country_name(country) -> str:
    return catalogue_translation.country_name(country)


@register.filter
def shipping_name(name) -> str:
    """A shipping method's name or description (or an order's stored one) in the page's language."""
    return catalogue_translation.shipping_method_name(str(name or ""))


@register.filter
def option_value(value) -> str:
    return catalogue_translation.option_value(str(value or ""))
