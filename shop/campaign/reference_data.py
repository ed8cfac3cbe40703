"""What every Proceeds shop needs in its database before it can sell, demo or not.

``manage.py setup_shop`` runs :func:`ensure_reference_data` on a new production
database, and ``seed_demo`` runs it before loading the demo catalogue. Each step
creates only what is missing and leaves existing rows as staff edited them, so
running it again after a deploy is harmless. The one exception is the rule that
nothing ships to russia or belarus: that is the campaign's stance, not a
preference, so it is re-applied on every run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from urllib.parse import urlsplit

import pycountry
from django.conf import settings
from django.contrib.sites.models import Site
from django.core.files.base import ContentFile
from django.utils.translation import gettext_noop
from oscar.core.loading import get_model

from donations.vocabulary import ensure_vocabulary
from shop.campaign import content
from shop.campaign.demo_images import render_product_image
from shop.campaign.models import CampaignPage, CategoryTranslation, ProductTranslation, RightsSection
from shop.donation import DONATION_AMOUNT_OPTION_CODE, DONATION_PRODUCT_CLASS_SLUG

AttributeOption = get_model("catalogue", "AttributeOption")
AttributeOptionGroup = get_model("catalogue", "AttributeOptionGroup")
Category = get_model("catalogue", "Category")
Country = get_model("address", "Country")
Option = get_model("catalogue", "Option")
Partner = get_model("partner", "Partner")
Product = get_model("catalogue", "Product")
ProductAttribute = get_model("catalogue", "ProductAttribute")
ProductCategory = get_model("catalogue", "ProductCategory")
ProductClass = get_model("catalogue", "ProductClass")
ProductImage = get_model("catalogue", "ProductImage")
StockRecord = get_model("partner", "StockRecord")
WeightBand = get_model("shipping", "WeightBand")
WeightBased = get_model("shipping", "WeightBased")

# The aggressor states: no shipping there, whatever the dashboard says.
NO_SHIPPING_COUNTRIES = ("RU", "BY")
EU_MEMBERS = (
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE",
    "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
)

SIZES = ("XS", "S", "M", "L", "XL", "XXL")
# Stored in English; marked so that order lines, emails and the variant menu show them in
# Ukrainian too (shop.catalogue.variants.catalogue_text).
COLOURS = (gettext_noop("Black"), gettext_noop("White"), gettext_noop("Olive"), gettext_noop("Navy"))

# (slug, name, has size and colour)
MERCH_CLASSES = (
    ("tshirt", "T-shirt", True),
    ("hoodie", "Hoodie", True),
    ("tote-bag", "Tote bag", False),
    ("sticker-pack", "Sticker pack", False),
    ("poster", "Poster", False),
)

FULFILMENT_PARTNER_CODE = "kyiv-print-studio"
AID_FUND_PARTNER_CODE = "aid-fund"
PARTNERS = (
    (FULFILMENT_PARTNER_CODE, "Kyiv print studio"),
    (AID_FUND_PARTNER_CODE, "Territories are people aid fund"),
)

DONATE_CATEGORY_CODE = "donate"
DONATION_UPC = "DONATION"
DONATION_TITLE = "A gift to the aid fund"
DONATION_DESCRIPTION = (
    "Not everyone needs another T-shirt, and that is fine. Choose any amount and it goes to the aid fund of "
    "“Territories are people”, which helps Ukrainians living under russian occupation and those trying to leave "
    "it. Nothing is printed or posted, so your whole gift, less the card payment fee, becomes aid."
)
DONATION_TITLE_UK = "Внесок до фонду допомоги"
DONATION_DESCRIPTION_UK = (
    "Не кожному потрібна ще одна футболка, і це нормально. Оберіть будь-яку суму, і вона піде до фонду допомоги "
    "«Території — це люди», який допомагає українцям, що живуть під російською окупацією, і тим, хто намагається "
    "з неї вибратися. Нічого не друкується й не пересилається, тож увесь ваш внесок, за вирахуванням комісії за "
    "оплату карткою, стає допомогою."
)

# (code, name, description, [(upper limit in kg, charge in the shop currency)])
SHIPPING_ZONES = (
    ("ua", gettext_noop("Ukraine — Nova Poshta"),
     gettext_noop("Delivery to a Nova Poshta branch or parcel locker in Ukraine."),
     [("1", "3.00"), ("2", "4.00"), ("5", "6.00")]),
    ("eu", gettext_noop("European Union — tracked post"),
     gettext_noop("Tracked international post to the 27 member states of the EU."),
     [("0.5", "6.00"), ("1", "9.00"), ("2", "12.00"), ("5", "18.00")]),
    ("world", gettext_noop("Rest of the world — tracked post"),
     gettext_noop("Tracked international post to every other country we ship to."),
     [("0.5", "10.00"), ("1", "15.00"), ("2", "22.00"), ("5", "35.00")]),
)


def ensure_reference_data() -> dict[str, int]:
    """Create whatever reference data is missing; return how many rows of each kind were created."""
    created: Counter[str] = Counter()
    created["countries"] = ensure_countries()
    created.update(ensure_product_classes())
    created["partners"] = ensure_partners()
    created.update(ensure_donation_product())
    created["shipping methods"] = ensure_shipping_methods()
    created.update(ensure_campaign_page())
    created["sites"] = ensure_site()
    created.update(ensure_vocabulary())
    return dict(created)


def ensure_site() -> int:
    """Name the site after SITE_URL: Oscar's emails build their links from it.

    Django creates the site as "example.com"; a real address set in SITE_URL
    replaces that placeholder, but a name staff chose is left alone. A
    loopback address (a development server, ``make run`` on some port)
    follows SITE_URL, so emails point at the server actually running.
    """
    domain = urlsplit(settings.SITE_URL).netloc or "127.0.0.1:8000"
    site, created = Site.objects.get_or_create(
        pk=settings.SITE_ID, defaults={"domain": domain, "name": "Territories are people"}
    )
    if not created and site.domain != domain and (site.domain == "example.com" or _is_loopback(site.domain)):
        site.domain, site.name = domain, "Territories are people"
        site.save()
        return 1
    return int(created)


def _is_loopback(domain: str) -> bool:
    host = domain.rsplit(":", 1)[0] if not domain.endswith("]") else domain
    return host in ("127.0.0.1", "localhost", "[::1]", "::1")


def ensure_countries() -> int:
    """Every ISO 3166 country, Ukraine listed first, shipping to all but the aggressor states."""
    existing = set(Country.objects.values_list("iso_3166_1_a2", flat=True))
    missing = [
        Country(
            iso_3166_1_a2=country.alpha_2,
            iso_3166_1_a3=country.alpha_3,
            iso_3166_1_numeric=country.numeric,
            # pycountry's common names ("Moldova", "Taiwan") are what people look for in a list.
            printable_name=getattr(country, "common_name", None) or country.name,
            name=getattr(country, "official_name", None) or country.name,
            display_order=1 if country.alpha_2 == "UA" else 0,
            is_shipping_country=country.alpha_2 not in NO_SHIPPING_COUNTRIES,
        )
        for country in pycountry.countries
        if country.alpha_2 not in existing
    ]
    Country.objects.bulk_create(missing)
    Country.objects.filter(iso_3166_1_a2__in=NO_SHIPPING_COUNTRIES, is_shipping_country=True).update(
        is_shipping_country=False
    )
    return len(missing)


def _option_group(code: str, name: str, options: tuple[str, ...]) -> tuple[AttributeOptionGroup, int]:
    group, created = AttributeOptionGroup.objects.get_or_create(code=code, defaults={"name": name})
    known = set(group.options.values_list("option", flat=True))
    new = [AttributeOption(group=group, option=option) for option in options if option not in known]
    AttributeOption.objects.bulk_create(new)
    return group, int(created) + len(new)


def ensure_product_classes() -> Counter[str]:
    """The merch classes with their size, colour and weight attributes, and the donation class."""
    created: Counter[str] = Counter()
    sizes, count = _option_group("size", "Size", SIZES)
    created["attribute options"] += count
    colours, count = _option_group("colour", "Colour", COLOURS)
    created["attribute options"] += count

    for slug, name, has_variants in MERCH_CLASSES:
        product_class, was_created = ProductClass.objects.get_or_create(
            slug=slug, defaults={"name": name, "requires_shipping": True, "track_stock": True}
        )
        created["product classes"] += was_created
        attributes = [("weight", "Weight (kg)", ProductAttribute.FLOAT, None)]
        if has_variants:
            attributes += [
                ("size", gettext_noop("Size"), ProductAttribute.OPTION, sizes),
                ("colour", gettext_noop("Colour"), ProductAttribute.OPTION, colours),
            ]
        for code, attribute_name, attribute_type, group in attributes:
            _, was_created = ProductAttribute.objects.get_or_create(
                product_class=product_class,
                code=code,
                defaults={"name": attribute_name, "type": attribute_type, "option_group": group},
            )
            created["product attributes"] += was_created

    donation_class, was_created = ProductClass.objects.get_or_create(
        slug=DONATION_PRODUCT_CLASS_SLUG,
        defaults={"name": "Donation", "requires_shipping": False, "track_stock": False},
    )
    created["product classes"] += was_created
    amount, was_created = Option.objects.get_or_create(
        code=DONATION_AMOUNT_OPTION_CODE,
        defaults={"name": "Amount", "type": Option.TEXT, "required": True},
    )
    created["options"] += was_created
    # Without this option the pricing strategy has no amount to charge, so it
    # is re-attached even if someone removed it.
    donation_class.options.add(amount)
    return created


def ensure_partners() -> int:
    created = 0
    for code, name in PARTNERS:
        _, was_created = Partner.objects.get_or_create(code=code, defaults={"name": name})
        created += was_created
    return created


def ensure_category(code: str, name: str, slug: str, parent: Category | None = None) -> tuple[Category, bool]:
    """The category with this code, created under ``parent`` (or as a root) if missing.

    Categories are found by ``code`` rather than name or slug, so staff may
    rename them without the next run creating a duplicate.
    """
    category = Category.objects.filter(code=code).first()
    if category is not None:
        return category, False
    fields = {"code": code, "name": name, "slug": slug}
    # Treebeard 7's manager methods; Category.add_root()/add_child() are deprecated.
    if parent is None:
        return Category.objects.add_root(fields), True
    return Category.objects.add_child(parent, fields), True


def ensure_product_image(product: Product, render: Callable[[], bytes], caption: str = "") -> int:
    """Give ``product`` a drawn image if it has none; staff photos are never replaced."""
    if product.images.exists():
        return 0
    image = ProductImage(product=product, caption=caption, display_order=0)
    image.original.save(f"{product.slug}.png", ContentFile(render()), save=False)
    image.save()
    return 1


def ensure_donation_product() -> Counter[str]:
    """The one donation product and the stock record Oscar's basket insists on.

    The stock record's price is only the floor shown in listings; the pricing
    strategy charges the amount the supporter chose. The product is not
    discountable: a voucher must never shrink a gift.
    """
    created: Counter[str] = Counter()
    category, was_created = ensure_category(DONATE_CATEGORY_CODE, "Donate", "donate")
    created["categories"] += was_created

    product = Product.objects.filter(upc=DONATION_UPC).first()
    if product is None:
        product = Product.objects.create(
            structure=Product.STANDALONE,
            product_class=ProductClass.objects.get(slug=DONATION_PRODUCT_CLASS_SLUG),
            upc=DONATION_UPC,
            title=DONATION_TITLE,
            slug="gift-to-the-aid-fund",
            description=DONATION_DESCRIPTION,
            is_public=True,
            is_discountable=False,
        )
        ProductCategory.objects.create(product=product, category=category)
        created["products"] += 1

    _, was_created = StockRecord.objects.get_or_create(
        partner=Partner.objects.get(code=AID_FUND_PARTNER_CODE),
        partner_sku=DONATION_UPC,
        defaults={
            "product": product,
            "price_currency": settings.OSCAR_DEFAULT_CURRENCY,
            "price": Decimal(settings.DONATION_MIN_AMOUNT),
            "num_in_stock": None,
        },
    )
    created["stock records"] += was_created
    created["images"] += ensure_product_image(
        product, lambda: render_product_image("donation"), caption=DONATION_TITLE
    )
    created["translations"] += ensure_category_translation(category, "Пожертвувати")
    created["translations"] += ensure_product_translation(product, DONATION_TITLE_UK, DONATION_DESCRIPTION_UK)
    return created


def ensure_product_translation(product: Product, title: str, description: str) -> int:
    """The product's Ukrainian text, unless staff have already written one."""
    _, was_created = ProductTranslation.objects.get_or_create(
        product=product, language="uk", defaults={"title": title, "description": description}
    )
    return int(was_created)


def ensure_category_translation(category: Category, name: str) -> int:
    _, was_created = CategoryTranslation.objects.get_or_create(
        category=category, language="uk", defaults={"name": name}
    )
    return int(was_created)


def _zone_countries(code: str) -> list[str]:
    if code == "ua":
        return ["UA"]
    if code == "eu":
        return list(EU_MEMBERS)
    return list(
        Country.objects.filter(is_shipping_country=True)
        .exclude(iso_3166_1_a2__in=["UA", *EU_MEMBERS, *NO_SHIPPING_COUNTRIES])
        .values_list("iso_3166_1_a2", flat=True)
    )


def ensure_shipping_methods() -> int:
    """The three weight-based zones; a zone that exists is left with staff's bands and countries."""
    created = 0
    for code, name, description, bands in SHIPPING_ZONES:
        if WeightBased.objects.filter(code=code).exists():
            continue
        method = WeightBased.objects.create(code=code, name=name, description=description, default_weight=0)
        WeightBand.objects.bulk_create(
            WeightBand(method=method, upper_limit=Decimal(limit), charge=Decimal(charge)) for limit, charge in bands
        )
        method.countries.set(_zone_countries(code))
        created += 1
    return created


def ensure_campaign_page() -> Counter[str]:
    """The campaign page's first text, written only while no page exists."""
    created: Counter[str] = Counter()
    if CampaignPage.objects.exists():
        return created
    texts = {
        f"{name}_{language}": text
        for name, translations in content.PAGE.items()
        for language, text in translations.items()
    }
    page = CampaignPage.objects.create(
        **texts,
        hashtag=content.HASHTAG,
        rights_email=content.RIGHTS_EMAIL,
        partners_email=content.PARTNERS_EMAIL,
        press_email=content.PRESS_EMAIL,
    )
    RightsSection.objects.bulk_create(
        RightsSection(
            page=page,
            position=position,
            title_en=section["title"]["en"],
            title_uk=section["title"]["uk"],
            body_en=section["body"]["en"],
            body_uk=section["body"]["uk"],
        )
        for position, section in enumerate(content.RIGHTS_SECTIONS, start=1)
    )
    created["campaign pages"] = 1
    created["rights sections"] = len(content.RIGHTS_SECTIONS)
    return created
