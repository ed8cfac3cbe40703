"""factory_boy factories for the catalogue, stock, shipping and campaign page.

Oscar's own factories hard-code GBP and give every product a stock record;
these price in the shop currency and build parents and variants explicitly.
"""

from decimal import Decimal

import factory
from django.conf import settings
from oscar.core.loading import get_model

from shop.campaign import content
from shop.campaign.models import CampaignPage, RightsSection

Country = get_model("address", "Country")
Category = get_model("catalogue", "Category")
Option = get_model("catalogue", "Option")
Partner = get_model("partner", "Partner")
Product = get_model("catalogue", "Product")
ProductAttribute = get_model("catalogue", "ProductAttribute")
ProductClass = get_model("catalogue", "ProductClass")
ProductImage = get_model("catalogue", "ProductImage")
StockRecord = get_model("partner", "StockRecord")
WeightBand = get_model("shipping", "WeightBand")
WeightBased = get_model("shipping", "WeightBased")


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner
        skip_postgeneration_save = True
        django_get_or_create = ("code",)

    name = "Kyiv print studio"
    code = "kyiv-print-studio"


class ProductClassFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductClass
        skip_postgeneration_save = True
        django_get_or_create = ("slug",)

    name = "Poster"
    slug = "poster"
    requires_shipping = True
    track_stock = True

    @factory.post_generation
    def weight_attribute(self, create, extracted, **kwargs):
        if create:
            ProductAttribute.objects.get_or_create(
                product_class=self, code="weight", defaults={"name": "Weight", "type": ProductAttribute.FLOAT}
            )


class ProductFactory(factory.django.DjangoModelFactory):
    """A stand-alone product with one stock record in the shop currency."""

    class Meta:
        model = Product
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Poster no. {n}")
    structure = Product.STANDALONE
    product_class = factory.SubFactory(ProductClassFactory)
    upc = factory.Sequence(lambda n: f"TEST-{n:05d}")
    is_public = True

    @factory.post_generation
    def stock(self, create, extracted, **kwargs):
        if create and self.structure != Product.PARENT:
            StockRecordFactory(product=self, **(extracted or {}))

    @factory.post_generation
    def weight(self, create, extracted, **kwargs):
        if create and self.structure != Product.CHILD:
            self.attr.weight = extracted if extracted is not None else 0.3
            self.attr.save()


class ParentProductFactory(ProductFactory):
    title = factory.Sequence(lambda n: f"T-shirt no. {n}")
    structure = Product.PARENT
    product_class = factory.SubFactory(ProductClassFactory, name="T-shirt", slug="tshirt")


class ChildProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product
        skip_postgeneration_save = True

    structure = Product.CHILD
    parent = factory.SubFactory(ParentProductFactory)
    product_class = None
    title = factory.Sequence(lambda n: f"Size {n}")
    upc = factory.Sequence(lambda n: f"TEST-CHILD-{n:05d}")
    is_public = True

    @factory.post_generation
    def stock(self, create, extracted, **kwargs):
        if create:
            StockRecordFactory(product=self, **(extracted or {}))


class StockRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StockRecord
        skip_postgeneration_save = True

    partner = factory.SubFactory(PartnerFactory)
    partner_sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    price_currency = factory.LazyFunction(lambda: settings.OSCAR_DEFAULT_CURRENCY)
    price = Decimal("29.00")
    cost_price = Decimal("9.50")
    num_in_stock = 20


class ProductImageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductImage
        skip_postgeneration_save = True

    product = factory.SubFactory(ProductFactory)
    original = factory.django.ImageField(width=64, height=64, color="blue", filename="product.png")
    display_order = 0


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Category {n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return model_class.objects.add_root(kwargs)


class CountryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Country
        skip_postgeneration_save = True
        django_get_or_create = ("iso_3166_1_a2",)

    iso_3166_1_a2 = "UA"
    iso_3166_1_a3 = factory.LazyAttribute(lambda o: {"UA": "UKR", "DE": "DEU", "US": "USA", "RU": "RUS"}.get(
        o.iso_3166_1_a2, o.iso_3166_1_a2 + "X"))
    iso_3166_1_numeric = factory.Sequence(lambda n: f"{n:03d}")
    name = factory.LazyAttribute(lambda o: o.printable_name)
    printable_name = factory.LazyAttribute(lambda o: {"UA": "Ukraine", "DE": "Germany", "US": "United States",
                                                       "RU": "Russia"}.get(o.iso_3166_1_a2, o.iso_3166_1_a2))
    is_shipping_country = True


class WeightBasedFactory(factory.django.DjangoModelFactory):
    """A weight-banded shipping method: 0.5 kg for the first charge, then 5 kg."""

    class Meta:
        model = WeightBased
        skip_postgeneration_save = True
        django_get_or_create = ("code",)

    code = "ua"
    name = "Ukraine — Nova Poshta"
    default_weight = Decimal("0")

    @factory.post_generation
    def bands(self, create, extracted, **kwargs):
        if create and not self.bands.exists():
            bands = extracted or [("0.5", "3.00"), ("5", "6.00")]
            for upper_limit, charge in bands:
                WeightBand.objects.create(method=self, upper_limit=Decimal(upper_limit), charge=Decimal(charge))

    @factory.post_generation
    def countries(self, create, extracted, **kwargs):
        if create:
            for country in extracted or []:
                self.countries.add(country)


def donation_product():
    """The donation product as setup_shop makes it: its class, option and one stock record."""
    product_class, _ = ProductClass.objects.get_or_create(
        slug="donation", defaults={"name": "Donation", "requires_shipping": False, "track_stock": False}
    )
    option, _ = Option.objects.get_or_create(
        code="donation-amount", defaults={"name": "Amount", "type": Option.TEXT, "required": True}
    )
    product_class.options.add(option)
    product = Product.objects.create(
        title="A gift to the aid fund", upc="DONATION", product_class=product_class, is_public=True
    )
    StockRecordFactory(
        product=product, partner=PartnerFactory(name="Aid fund", code="aid-fund"), partner_sku="DONATION",
        price=Decimal(settings.DONATION_MIN_AMOUNT), cost_price=None, num_in_stock=None,
    )
    return product


def campaign_page() -> CampaignPage:
    page = CampaignPage.objects.create(
        **{f"{name}_{lang}": text for name, texts in content.PAGE.items() for lang, text in texts.items()},
        hashtag=content.HASHTAG,
        rights_email=content.RIGHTS_EMAIL,
        partners_email=content.PARTNERS_EMAIL,
        press_email=content.PRESS_EMAIL,
    )
    for position, section in enumerate(content.RIGHTS_SECTIONS):
        RightsSection.objects.create(
            page=page, position=position,
            title_en=section["title"]["en"], title_uk=section["title"]["uk"],
            body_en=section["body"]["en"], body_uk=section["body"]["uk"],
        )
    return page


def hoodie(colours=("Black", "Navy"), sizes=("S", "M"), sold_out=()):
    """A hoodie as setup_shop's classes make it: one variant per colour and size, told apart by attributes."""
    from shop.campaign.reference_data import ensure_product_classes

    ensure_product_classes()
    AttributeOption = get_model("catalogue", "AttributeOption")
    parent = ParentProductFactory(
        title="Hoodie Territories are people", product_class=ProductClass.objects.get(slug="hoodie")
    )
    ProductImageFactory(product=parent)
    for colour in colours:
        for size in sizes:
            child = Product(structure=Product.CHILD, parent=parent, upc=f"TEST-HD-{colour.upper()}-{size}",
                            is_public=True)
            child.attr.colour = AttributeOption.objects.get(group__code="colour", option=colour)
            child.attr.size = AttributeOption.objects.get(group__code="size", option=size)
            child.attr.weight = 0.6
            child.save()
            StockRecordFactory(product=child, partner_sku=child.upc, price=Decimal("59.00"),
                               num_in_stock=0 if (colour, size) in sold_out else 10)
    return parent
