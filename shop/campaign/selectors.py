"""Queries behind the campaign home page."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import get_language

from shop.campaign.models import CampaignPage, RightsSection
from shop.search.selectors import Product, with_card_data

FEATURED_PRODUCT_COUNT = 8


@dataclass(frozen=True)
class Section:
    title: str
    body: str


@dataclass(frozen=True)
class CampaignContent:
    headline: str
    lead: str
    merch_intro: str
    background: str
    organisers_message: str
    statement: str
    call_to_act: str
    rights_intro: str
    hashtag: str
    rights_email: str
    partners_email: str
    press_email: str
    sections: list[Section] = field(default_factory=list)


def _pick(obj: object, name: str, language: str) -> str:
    """The text in the wanted language, falling back to the other one if empty."""
    other = "en" if language == "uk" else "uk"
    return getattr(obj, f"{name}_{language}") or getattr(obj, f"{name}_{other}")


def campaign_content(language: str | None = None) -> CampaignContent | None:
    """The campaign page in one language, or None before it has been written (2 queries)."""
    language = "uk" if (language or get_language() or "uk").startswith("uk") else "en"
    page = CampaignPage.objects.order_by("id").first()
    if page is None:
        return None
    texts = {
        name: _pick(page, name, language)
        for name in (
            "headline", "lead", "merch_intro", "background", "organisers_message",
            "statement", "call_to_act", "rights_intro",
        )
    }
    sections = [
        Section(title=_pick(section, "title", language), body=_pick(section, "body", language))
        for section in RightsSection.objects.filter(page=page)
    ]
    return CampaignContent(
        **texts,
        hashtag=page.hashtag,
        rights_email=page.rights_email,
        partners_email=page.partners_email,
        press_email=page.press_email,
        sections=sections,
    )


def featured_products():
    """The newest public merch for the home page (lazy; a fixed number of queries when read)."""
    products = Product.objects.browsable().exclude(product_class__slug="donation")
    return with_card_data(products).order_by("-date_created", "-id")[:FEATURED_PRODUCT_COUNT]


def donation_product():
    return Product.objects.browsable().filter(product_class__slug="donation").order_by("id").first()
