"""Staff edit the campaign page and the Ukrainian catalogue texts; nobody else can."""

import pytest
from django.urls import reverse

from shop.campaign.models import CampaignPage, CategoryTranslation, ProductTranslation
from tests import factories


@pytest.fixture
def staff_client(client, django_user_model):
    staff = django_user_model.objects.create_user(
        username="volunteer", email="volunteer@example.org", password="pw-123456", is_staff=True
    )
    client.force_login(staff)
    return client


def page_form_data(page: CampaignPage, **changes) -> dict:
    data = {field: getattr(page, field) for field in (
        f"{name}_{lang}" for name in ("headline", "lead", "merch_intro", "background", "organisers_message",
                                      "statement", "call_to_act", "rights_intro") for lang in ("en", "uk"))}
    data.update(hashtag=page.hashtag, rights_email=page.rights_email, partners_email=page.partners_email,
                press_email=page.press_email)
    sections = list(page.sections.all())
    data.update({"sections-TOTAL_FORMS": len(sections), "sections-INITIAL_FORMS": len(sections),
                 "sections-MIN_NUM_FORMS": 0, "sections-MAX_NUM_FORMS": 1000})
    for index, section in enumerate(sections):
        for field in ("position", "title_en", "title_uk", "body_en", "body_uk"):
            data[f"sections-{index}-{field}"] = getattr(section, field)
        data[f"sections-{index}-id"] = section.pk
        data[f"sections-{index}-page"] = page.pk
    data.update(changes)
    return data


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["campaign-dashboard:page", "campaign-dashboard:translations"])
def test_visitors_and_customers_cannot_reach_the_editors(client, django_user_model, url_name):
    assert client.get(reverse(url_name)).status_code == 302
    customer = django_user_model.objects.create_user(username="c", email="c@example.org", password="pw-123456")
    client.force_login(customer)
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.django_db
def test_staff_change_the_headline_and_it_is_live(staff_client, campaign_page, client):
    data = page_form_data(campaign_page, headline_en="Territories are people, and people need help")
    response = staff_client.post(reverse("campaign-dashboard:page"), data)
    assert response.status_code == 302
    assert "Territories are people, and people need help" in staff_client.get("/en/").content.decode()


@pytest.mark.django_db
def test_a_bad_edit_keeps_the_live_page(staff_client, campaign_page):
    data = page_form_data(campaign_page, headline_en="", press_email="not an address")
    response = staff_client.post(reverse("campaign-dashboard:page"), data)
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"headline_en", "press_email"}
    campaign_page.refresh_from_db()
    assert campaign_page.headline_en == "Territories are people"


@pytest.mark.django_db
def test_staff_add_a_rights_section(staff_client, campaign_page):
    data = page_form_data(campaign_page)
    index = campaign_page.sections.count()
    data["sections-TOTAL_FORMS"] = index + 1
    data.update({f"sections-{index}-position": 99, f"sections-{index}-title_en": "Deportations",
                 f"sections-{index}-title_uk": "Депортації", f"sections-{index}-body_en": "Body",
                 f"sections-{index}-body_uk": "Текст"})
    assert staff_client.post(reverse("campaign-dashboard:page"), data).status_code == 302
    assert "Депортації" in staff_client.get("/uk/").content.decode()


@pytest.mark.django_db
def test_ukrainian_catalogue_texts_show_on_ukrainian_pages_only(staff_client):
    poster = factories.ProductFactory(title="Poster Speak up")
    category = factories.CategoryFactory(name="Posters")
    poster.categories.add(category)
    data = {f"p{poster.pk}-title": "Постер «Не мовчіть!»", f"p{poster.pk}-description": "Друк на щільному папері.",
            f"c{category.pk}-name": "Постери"}
    assert staff_client.post(reverse("campaign-dashboard:translations"), data).status_code == 302
    assert ProductTranslation.objects.get(product=poster).title == "Постер «Не мовчіть!»"
    assert CategoryTranslation.objects.get(category=category).name == "Постери"

    ukrainian = staff_client.get("/uk/catalogue/").content.decode()
    assert "Постер «Не мовчіть!»" in ukrainian
    assert "Постери" in ukrainian
    product_page = staff_client.get(poster.get_absolute_url().replace("/en/", "/uk/"))
    assert "Постер «Не мовчіть!»" in product_page.content.decode()
    english = staff_client.get("/en/catalogue/").content.decode()
    assert "Poster Speak up" in english
    assert "Постер" not in english

    data[f"p{poster.pk}-title"] = ""
    staff_client.post(reverse("campaign-dashboard:translations"), data)
    assert not ProductTranslation.objects.filter(product=poster).exists()
    assert "Poster Speak up" in staff_client.get("/uk/catalogue/").content.decode()
