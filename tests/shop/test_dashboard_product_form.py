"""Staff edit a product's Ukrainian title and description in Oscar's own product form."""

import pytest
from oscar.core.loading import get_class

from shop.campaign.models import ProductTranslation
from tests import factories

ProductForm = get_class("dashboard.catalogue.forms", "ProductForm")


def form_data(product, **changes):
    data = {"title": product.title, "upc": product.upc, "description": product.description or "",
            "is_public": "on", "is_discountable": "on", "structure": product.structure, "slug": product.slug,
            "meta_title": "", "meta_description": "", "attr_weight": "0.3"}
    return {**data, **changes}


@pytest.mark.django_db
def test_the_product_form_shows_and_saves_both_languages():
    product = factories.ProductFactory(title="Poster “Speak up!”", description="A2 poster.")
    ProductTranslation.objects.create(product=product, language="uk", title="Плакат", description="Плакат A2.")
    form = ProductForm(product.product_class, instance=product)
    fields = list(form.fields)
    assert fields.index("title_uk") == fields.index("title") + 1
    assert fields.index("description_uk") == fields.index("description") + 1
    assert form["title_uk"].initial == "Плакат"

    form = ProductForm(product.product_class, instance=product, data=form_data(
        product, title_uk="Плакат «Говори!»", description_uk="Плакат формату A2."))
    assert form.is_valid(), form.errors
    form.save()
    translation = ProductTranslation.objects.get(product=product, language="uk")
    assert (translation.title, translation.description) == ("Плакат «Говори!»", "Плакат формату A2.")
    product.refresh_from_db()
    assert product.title == "Poster “Speak up!”"  # the catalogue's own field stays English


@pytest.mark.django_db
def test_emptying_the_ukrainian_title_shows_the_english_one_again():
    product = factories.ProductFactory(title="Sticker pack")
    ProductTranslation.objects.create(product=product, language="uk", title="Наліпки")
    form = ProductForm(product.product_class, instance=product, data=form_data(product, title_uk=""))
    assert form.is_valid(), form.errors
    form.save()
    assert not ProductTranslation.objects.filter(product=product).exists()


@pytest.mark.django_db
def test_a_variant_has_no_title_of_its_own_to_translate():
    child = factories.ChildProductFactory(title="")
    form = ProductForm(child.parent.product_class, instance=child, parent=child.parent)
    assert "title_uk" not in form.fields
