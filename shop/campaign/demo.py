"""A demo catalogue and staff account, so ``make run`` opens on a shop that looks real.

Everything is keyed by UPC or category code, so loading twice creates nothing
new: products and images are only added when missing (a demo product staff
edited keeps their edits) while stock records are updated in place, which puts
the demo's stock levels back each run. Prices are in the shop currency; cost
prices are realistic production costs, so the proceeds ledger has margins to
work with.
"""

from __future__ import annotations

import zlib
from collections import Counter
from decimal import Decimal
from typing import TypedDict

from django.conf import settings
from django.contrib.auth import get_user_model
from oscar.core.loading import get_model

from shop.campaign.demo_images import render_product_image
from shop.campaign.reference_data import (
    DONATION_DESCRIPTION,
    DONATION_DESCRIPTION_UK,
    DONATION_TITLE,
    DONATION_TITLE_UK,
    DONATION_UPC,
    FULFILMENT_PARTNER_CODE,
    ensure_category,
    ensure_category_translation,
    ensure_product_image,
    ensure_product_translation,
)

AttributeOption = get_model("catalogue", "AttributeOption")
Category = get_model("catalogue", "Category")
Partner = get_model("partner", "Partner")
Product = get_model("catalogue", "Product")
ProductCategory = get_model("catalogue", "ProductCategory")
ProductClass = get_model("catalogue", "ProductClass")
StockRecord = get_model("partner", "StockRecord")

DEMO_STAFF_PASSWORD = "proceeds-demo"  # noqa: S105 -- development only; ensure_demo_staff refuses without DEBUG

CATEGORY_NAMES_UK = {
    "apparel": "Одяг",
    "t-shirts": "Футболки",
    "hoodies": "Худі",
    "bags": "Сумки",
    "stickers": "Наліпки",
    "posters": "Постери",
}
# (code, name, slug, parent code); parents come before their children.
CATEGORIES = (
    ("apparel", "Apparel", "apparel", None),
    ("t-shirts", "T-shirts", "t-shirts", "apparel"),
    ("hoodies", "Hoodies", "hoodies", "apparel"),
    ("bags", "Bags", "bags", None),
    ("stickers", "Stickers", "stickers", None),
    ("posters", "Posters", "posters", None),
)

TSHIRT_WEIGHTS = {"XS": 0.15, "S": 0.16, "M": 0.18, "L": 0.2, "XL": 0.22, "XXL": 0.24}
HOODIE_WEIGHTS = {"XS": 0.5, "S": 0.55, "M": 0.6, "L": 0.65, "XL": 0.7, "XXL": 0.75}
# The one variant that is sold out on purpose, so the demo shows how that looks.
SOLD_OUT_UPC = "TAP-HD-01-NAVY-XXL"
PROCEEDS_SENTENCE = "All proceeds go to the aid fund for people under russian occupation."
PROCEEDS_SENTENCE_UK = "Усі виручені кошти йдуть до фонду допомоги людям під російською окупацією."


class DemoProduct(TypedDict, total=False):
    upc: str
    kind: str  # the product class slug, which also picks the drawing
    category: str  # a category code
    title: str
    title_uk: str
    description: str
    description_uk: str
    price: str
    cost_price: str
    lines: tuple[str, ...]  # the printed words, Latin letters only
    colour: str  # standalone products: the fabric colour in the picture
    colours: tuple[str, ...]  # parent products: one variant per colour and size
    sizes: tuple[str, ...]
    weight: float  # standalone products; variants weigh by size
    num_in_stock: int  # standalone products; variants get a spread of levels


DEMO_PRODUCTS: list[DemoProduct] = [
    {
        "upc": "TAP-TS-01",
        "kind": "tshirt",
        "category": "t-shirts",
        "title": "T-shirt “Territories are people”",
        "title_uk": "Футболка «Території — це люди»",
        "description": (
            "A 100% cotton T-shirt (180 g/m²), screen-printed by hand in Kyiv with the campaign's words and its "
            "blue-and-yellow mark. " + PROCEEDS_SENTENCE
        ),
        "description_uk": (
            "Футболка зі 100% бавовни (180 г/м²), надрукована вручну методом шовкографії в Києві: слова кампанії "
            "та її синьо-жовтий знак. " + PROCEEDS_SENTENCE_UK
        ),
        "price": "29.00",
        "cost_price": "9.80",
        "lines": ("TERRITORIES", "ARE PEOPLE"),
        "colours": ("Black", "White"),
        "sizes": ("S", "M", "L", "XL"),
    },
    {
        "upc": "TAP-TS-02",
        "kind": "tshirt",
        "category": "t-shirts",
        "title": "T-shirt “Ukraine is its people”",
        "title_uk": "Футболка «Україна — це її люди»",
        "description": (
            "A 100% cotton T-shirt (180 g/m²) with a line from the campaign's statement, screen-printed in Kyiv. "
            + PROCEEDS_SENTENCE
        ),
        "description_uk": (
            "Футболка зі 100% бавовни (180 г/м²) з рядком із заяви кампанії, надрукована методом шовкографії "
            "в Києві. " + PROCEEDS_SENTENCE_UK
        ),
        "price": "29.00",
        "cost_price": "9.80",
        "lines": ("UKRAINE", "IS ITS PEOPLE"),
        "colours": ("Olive", "Navy"),
        "sizes": ("S", "M", "L", "XL", "XXL"),
    },
    {
        "upc": "TAP-HD-01",
        "kind": "hoodie",
        "category": "hoodies",
        "title": "Hoodie “Territories are people”",
        "title_uk": "Худі «Території — це люди»",
        "description": (
            "A warm hoodie of brushed cotton fleece (320 g/m²) with a kangaroo pocket, screen-printed in Kyiv. "
            + PROCEEDS_SENTENCE
        ),
        "description_uk": (
            "Тепле худі з начесаного бавовняного футеру (320 г/м²) з кишенею-кенгуру, надруковане методом "
            "шовкографії в Києві. " + PROCEEDS_SENTENCE_UK
        ),
        "price": "59.00",
        "cost_price": "24.50",
        "lines": ("TERRITORIES", "ARE PEOPLE"),
        "colours": ("Black", "Navy"),
        "sizes": ("S", "M", "L", "XL", "XXL"),
    },
    {
        "upc": "TAP-TB-01",
        "kind": "tote-bag",
        "category": "bags",
        "title": "Tote bag “Territories are people”",
        "title_uk": "Шопер «Території — це люди»",
        "description": (
            "A sturdy tote of undyed cotton canvas (38 × 42 cm) with long handles, printed in Kyiv. "
            + PROCEEDS_SENTENCE
        ),
        "description_uk": (
            "Міцний шопер з нефарбованої бавовняної тканини (38 × 42 см) з довгими ручками, надрукований у Києві. "
            + PROCEEDS_SENTENCE_UK
        ),
        "price": "19.00",
        "cost_price": "6.40",
        "lines": ("TERRITORIES", "ARE PEOPLE"),
        "colour": "Natural",
        "weight": 0.15,
        "num_in_stock": 35,
    },
    {
        "upc": "TAP-TB-02",
        "kind": "tote-bag",
        "category": "bags",
        "title": "Tote bag “Speak up!”",
        "title_uk": "Шопер «Не мовчіть!»",
        "description": (
            "A black cotton canvas tote (38 × 42 cm) carrying the campaign's call to speak up, printed in Kyiv. "
            + PROCEEDS_SENTENCE
        ),
        "description_uk": (
            "Чорний шопер з бавовняної тканини (38 × 42 см) із закликом кампанії не мовчати, надрукований у Києві. "
            + PROCEEDS_SENTENCE_UK
        ),
        "price": "19.00",
        "cost_price": "6.40",
        "lines": ("SPEAK UP!",),
        "colour": "Black",
        "weight": 0.15,
        "num_in_stock": 18,
    },
    {
        "upc": "TAP-ST-01",
        "kind": "sticker-pack",
        "category": "stickers",
        "title": "Sticker pack “Territories are people”",
        "title_uk": "Набір наліпок «Території — це люди»",
        "description": (
            "Five weatherproof vinyl stickers for laptops, bottles and notice boards, up to 8 cm across. "
            + PROCEEDS_SENTENCE
        ),
        "description_uk": (
            "П'ять вологостійких вінілових наліпок для ноутбука, пляшки чи дошки оголошень, до 8 см завширшки. "
            + PROCEEDS_SENTENCE_UK
        ),
        "price": "4.00",
        "cost_price": "1.10",
        "lines": ("TERRITORIES", "ARE PEOPLE"),
        "colour": "White",
        "weight": 0.03,
        "num_in_stock": 40,
    },
    {
        "upc": "TAP-ST-02",
        "kind": "sticker-pack",
        "category": "stickers",
        "title": "Big sticker pack “Territories are people”",
        "title_uk": "Великий набір наліпок «Території — це люди»",
        "description": (
            "Twelve weatherproof vinyl stickers, enough to share with friends, colleagues and classmates. "
            + PROCEEDS_SENTENCE
        ),
        "description_uk": (
            "Дванадцять вологостійких вінілових наліпок — вистачить, щоб поділитися з друзями, колегами та "
            "однокласниками. " + PROCEEDS_SENTENCE_UK
        ),
        "price": "6.00",
        "cost_price": "1.90",
        "lines": ("TERRITORIES", "ARE PEOPLE"),
        "colour": "Olive",
        "weight": 0.05,
        "num_in_stock": 26,
    },
    {
        "upc": "TAP-PS-A3",
        "kind": "poster",
        "category": "posters",
        "title": "Poster “Territories are people”, A3",
        "title_uk": "Постер «Території — це люди», A3",
        "description": (
            "An A3 poster (29.7 × 42 cm) printed on 200 g/m² matte paper and posted rolled in a tube. "
            + PROCEEDS_SENTENCE
        ),
        "description_uk": (
            "Постер формату A3 (29,7 × 42 см) на матовому папері 200 г/м², надсилаємо скрученим у тубусі. "
            + PROCEEDS_SENTENCE_UK
        ),
        "price": "15.00",
        "cost_price": "3.20",
        "lines": ("TERRITORIES", "ARE PEOPLE"),
        "colour": "White",
        "weight": 0.15,
        "num_in_stock": 22,
    },
    {
        "upc": "TAP-PS-A2",
        "kind": "poster",
        "category": "posters",
        "title": "Poster “Ukraine is its people”, A2",
        "title_uk": "Постер «Україна — це її люди», A2",
        "description": (
            "An A2 poster (42 × 59.4 cm) printed on 200 g/m² matte paper and posted rolled in a tube. "
            + PROCEEDS_SENTENCE
        ),
        "description_uk": (
            "Постер формату A2 (42 × 59,4 см) на матовому папері 200 г/м², надсилаємо скрученим у тубусі. "
            + PROCEEDS_SENTENCE_UK
        ),
        "price": "22.00",
        "cost_price": "5.60",
        "lines": ("UKRAINE", "IS ITS PEOPLE"),
        "colour": "White",
        "weight": 0.25,
        "num_in_stock": 9,
    },
]


def demo_translations() -> dict[str, dict[str, str]]:
    """Titles and descriptions of the demo products (and the donation), both languages, by UPC."""
    translations = {
        item["upc"]: {
            "title_en": item["title"],
            "title_uk": item["title_uk"],
            "description_en": item["description"],
            "description_uk": item["description_uk"],
        }
        for item in DEMO_PRODUCTS
    }
    translations[DONATION_UPC] = {
        "title_en": DONATION_TITLE,
        "title_uk": DONATION_TITLE_UK,
        "description_en": DONATION_DESCRIPTION,
        "description_uk": DONATION_DESCRIPTION_UK,
    }
    return translations


def load_demo_catalogue() -> dict[str, int]:
    """Load the demo categories, products, stock and images; return how many of each were created.

    Needs the reference data (product classes, partners) in place first.
    """
    created: Counter[str] = Counter()
    categories = {}
    for code, name, slug, parent_code in CATEGORIES:
        categories[code], was_created = ensure_category(code, name, slug, categories.get(parent_code))
        created["categories"] += was_created
        created["translations"] += ensure_category_translation(categories[code], CATEGORY_NAMES_UK[code])

    studio = Partner.objects.get(code=FULFILMENT_PARTNER_CODE)
    product_classes = {product_class.slug: product_class for product_class in ProductClass.objects.all()}
    options = {(option.group.code, option.option): option for option in AttributeOption.objects.select_related("group")}
    for item in DEMO_PRODUCTS:
        product, was_created = _ensure_product(item, product_classes[item["kind"]], categories[item["category"]])
        created["products"] += was_created
        created["translations"] += ensure_product_translation(product, item["title_uk"], item["description_uk"])
        if "colours" in item:
            created += _ensure_variants(product, item, studio, options)
        else:
            created["stock records"] += _ensure_stock(product, studio, item, item["num_in_stock"])
        picture_colour = item["colours"][0] if "colours" in item else item["colour"]
        created["images"] += ensure_product_image(
            product,
            lambda item=item, colour=picture_colour: render_product_image(item["kind"], colour, item["lines"]),
            caption=item["title"],
        )
    return dict(created)


def _ensure_variants(
    parent: Product, item: DemoProduct, studio: Partner, options: dict[tuple[str, str], AttributeOption]
) -> Counter[str]:
    """One child per colour and size, each with its stock record at the print studio."""
    created: Counter[str] = Counter()
    variants = [(colour, size) for colour in item["colours"] for size in item["sizes"]]
    # Oscar lists a parent's children newest first (Product.Meta.ordering), so
    # they are created last to first for the variant menu to read Black S, M, L…
    for colour, size in reversed(variants):
        upc = f"{item['upc']}-{colour.upper()}-{size}"
        child, was_created = _ensure_variant(
            parent, upc, options[("colour", colour)], options[("size", size)], _variant_weight(item["kind"], size)
        )
        created["products"] += was_created
        created["stock records"] += _ensure_stock(child, studio, item, _variant_stock(upc))
    return created


def _variant_weight(kind: str, size: str) -> float:
    return (HOODIE_WEIGHTS if kind == "hoodie" else TSHIRT_WEIGHTS)[size]


def _variant_stock(upc: str) -> int:
    """A spread of stock levels between 3 and 40 that is the same on every run, and one sold-out variant."""
    if upc == SOLD_OUT_UPC:
        return 0
    return 3 + zlib.crc32(upc.encode()) % 38


def _ensure_product(item: DemoProduct, product_class: ProductClass, category: Category) -> tuple[Product, bool]:
    product = Product.objects.filter(upc=item["upc"]).first()
    if product is not None:
        return product, False
    product = Product(
        structure=Product.PARENT if "colours" in item else Product.STANDALONE,
        product_class=product_class,
        upc=item["upc"],
        title=item["title"],
        description=item["description"],
        is_public=True,
    )
    if "weight" in item:
        product.attr.weight = item["weight"]
    product.save()
    ProductCategory.objects.create(product=product, category=category)
    return product, True


def _ensure_variant(
    parent: Product, upc: str, colour: AttributeOption, size: AttributeOption, weight: float
) -> tuple[Product, bool]:
    child = Product.objects.filter(upc=upc).first()
    if child is not None:
        return child, False
    child = Product(structure=Product.CHILD, parent=parent, upc=upc, is_public=True)
    child.attr.colour = colour
    child.attr.size = size
    child.attr.weight = weight
    child.save()
    return child, True


def _ensure_stock(product: Product, partner: Partner, item: DemoProduct, num_in_stock: int) -> int:
    """Create or reset the product's one stock record at the print studio; 1 if created.

    An unchanged record is not saved again: each save of a stock record makes
    Oscar look for stock alerts to send.
    """
    wanted = {
        "product_id": product.pk,
        "price_currency": settings.OSCAR_DEFAULT_CURRENCY,
        "price": Decimal(item["price"]),
        "cost_price": Decimal(item["cost_price"]),
        "num_in_stock": num_in_stock,
    }
    record = StockRecord.objects.filter(partner=partner, partner_sku=product.upc).first()
    if record is None:
        StockRecord.objects.create(partner=partner, partner_sku=product.upc, **wanted)
        return 1
    changed = [field for field, value in wanted.items() if getattr(record, field) != value]
    if changed:
        for field in changed:
            setattr(record, field, wanted[field])
        record.save()
    return 0


def ensure_demo_staff() -> tuple[str, str] | None:
    """Create, or reset the password of, the demo superuser; return its email and password.

    Only with DEBUG on: a well-known password must never open a live shop's
    dashboard, so without DEBUG nothing is written and None is returned.
    """
    if not settings.DEBUG:
        return None
    email = settings.DEMO_STAFF_EMAIL
    user_model = get_user_model()
    user = user_model.objects.filter(email__iexact=email).order_by("pk").first()
    if user is None:
        user = user_model(username=email, email=email)
    user.is_staff = True
    user.is_superuser = True
    user.is_active = True
    user.set_password(DEMO_STAFF_PASSWORD)
    user.save()
    return email, DEMO_STAFF_PASSWORD
