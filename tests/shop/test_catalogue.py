"""Browsing: the catalogue, category and product pages, and what they cost in queries."""

import pytest

from shop.catalogue.freshness import bump_catalogue_version
from shop.search.views import CatalogueView
from tests import factories

CATALOGUE_QUERY_BOUND = 14


def make_products(count: int, category=None) -> None:
    for index in range(count):
        if index % 4 == 0:
            parent = factories.ParentProductFactory()
            for size in ("S", "M"):
                factories.ChildProductFactory(parent=parent, title=f"Size {size}")
            product = parent
        else:
            product = factories.ProductFactory()
        factories.ProductImageFactory(product=product)
        if category is not None:
            product.categories.add(category)


@pytest.mark.django_db
@pytest.mark.parametrize("count", [20, 100])
def test_catalogue_queries_do_not_grow_with_page_size(client, monkeypatch, django_assert_max_num_queries, count):
    make_products(count)
    monkeypatch.setattr(CatalogueView, "paginate_by", count)
    client.get("/en/catalogue/")  # warm thumbnails
    bump_catalogue_version()  # measure the uncached grid
    with django_assert_max_num_queries(CATALOGUE_QUERY_BOUND):
        response = client.get("/en/catalogue/")
    assert response.status_code == 200
    assert len(response.context["products"]) == count


@pytest.mark.django_db
@pytest.mark.parametrize("count", [20, 100])
def test_category_queries_do_not_grow_with_page_size(client, monkeypatch, django_assert_max_num_queries, count):
    category = factories.CategoryFactory(name="Posters")
    make_products(count, category=category)
    make_products(3)  # not in the category
    monkeypatch.setattr(CatalogueView, "paginate_by", count)
    url = category.get_absolute_url()
    client.get(url)
    bump_catalogue_version()
    with django_assert_max_num_queries(CATALOGUE_QUERY_BOUND):
        response = client.get(url)
    assert len(response.context["products"]) == count


@pytest.mark.django_db
def test_a_cached_grid_is_served_without_product_queries(client, django_assert_max_num_queries):
    make_products(20)
    client.get("/en/catalogue/")
    with django_assert_max_num_queries(4):  # the count for the paginator, the category menu, a session read
        response = client.get("/en/catalogue/")
    assert response.content.decode().count('class="product-card"') == 20


@pytest.mark.django_db
def test_a_price_change_shows_at_once_despite_the_cache(client):
    poster = factories.ProductFactory(title="Poster Speak up", stock={"price": "15.00"})
    assert "€15.00" in client.get("/en/catalogue/").content.decode()
    stockrecord = poster.stockrecords.get()
    stockrecord.price = "17.00"
    stockrecord.save()
    html = client.get("/en/catalogue/").content.decode()
    assert "€17.00" in html
    assert "€15.00" not in html
    assert "€17.00" in client.get("/en/").content.decode()


@pytest.mark.django_db
def test_catalogue_lists_public_products_with_prices(client):
    visible = factories.ProductFactory(title="Tote bag Speak up", stock={"price": "19.00"})
    hidden = factories.ProductFactory(title="Unreleased poster", is_public=False)
    html = client.get("/en/catalogue/").content.decode()
    assert visible.get_absolute_url() in html
    assert "€19.00" in html
    assert hidden.title not in html


@pytest.mark.django_db
def test_catalogue_paginates_by_twenty(client):
    make_products(25)
    first = client.get("/en/catalogue/")
    second = client.get("/en/catalogue/?page=2")
    assert len(first.context["products"]) == 20
    assert len(second.context["products"]) == 5


@pytest.mark.django_db
def test_category_page_shows_only_its_products_and_fixes_its_address(client):
    category = factories.CategoryFactory(name="Stickers")
    inside = factories.ProductFactory(title="Sticker pack")
    inside.categories.add(category)
    outside = factories.ProductFactory(title="Hoodie")
    response = client.get(category.get_absolute_url())
    assert inside.title in response.content.decode()
    assert outside.title not in response.content.decode()
    wrong_slug = f"/en/catalogue/category/wrong_{category.pk}/"
    assert client.get(wrong_slug).status_code == 301


@pytest.mark.django_db
def test_product_page_offers_each_variant_and_marks_sold_out(client, tshirt, django_assert_max_num_queries):
    parent, children = tshirt
    client.get(parent.get_absolute_url())
    bump_catalogue_version()  # the uncached page
    with django_assert_max_num_queries(12):
        response = client.get(parent.get_absolute_url())
    with django_assert_max_num_queries(5):  # the product and its variants come from the cache
        cached = client.get(parent.get_absolute_url()).content.decode()
    assert all(f'value="{child.pk}"' in cached for child in children)
    html = response.content.decode()
    assert response.status_code == 200
    assert "from €29.00" in html
    for child in children:
        assert f'value="{child.pk}"' in html
    sold_out = children[-1]
    assert f'<option value="{sold_out.pk}" disabled' in html
    assert "Size XL — sold out" in html  # said in words, not only greyed out
    assert '<meta property="og:type" content="product">' in html
    assert '<meta property="product:price:amount" content="29.00">' in html


@pytest.mark.django_db
def test_search_without_a_search_server_finds_products(client):
    factories.ProductFactory(title="Hoodie Territories are people")
    factories.ProductFactory(title="Poster")
    response = client.get("/en/search/?q=hoodie")
    assert [p.title for p in response.context["products"]] == ["Hoodie Territories are people"]


@pytest.mark.django_db
def test_product_page_shows_stock_and_visibility_changes_at_once(client, tshirt):
    parent, children = tshirt
    url = parent.get_absolute_url()
    assert f'<option value="{children[0].pk}">' in client.get(url).content.decode()
    stockrecord = children[0].stockrecords.get()
    stockrecord.num_in_stock = 0
    stockrecord.save()
    assert f'<option value="{children[0].pk}" disabled' in client.get(url).content.decode()
    parent.is_public = False
    parent.save()
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_unknown_product_is_not_found(client):
    assert client.get("/en/catalogue/nothing_999999/").status_code == 404
