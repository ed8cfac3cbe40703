"""Staff edit the campaign page in Oscar's dashboard, both languages side by side."""

from django.contrib import messages
from django.contrib.auth.decorators import user_passes_test
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from oscar.core.loading import get_model

from shop.campaign.forms import (
    CampaignPageForm,
    CategoryTranslationForm,
    ProductTranslationForm,
    RightsSectionFormSet,
)
from shop.campaign.models import CampaignPage
from shop.campaign.translations import save_catalogue_translations

Category = get_model("catalogue", "Category")
Product = get_model("catalogue", "Product")


@method_decorator(user_passes_test(lambda user: user.is_staff, login_url="customer:login"), name="dispatch")
class CampaignPageEditView(View):
    template_name = "campaign/dashboard/page_form.html"

    def get_page(self) -> CampaignPage | None:
        return CampaignPage.objects.order_by("id").first()

    def get(self, request):
        page = self.get_page()
        return self.render(request, CampaignPageForm(instance=page), RightsSectionFormSet(instance=page))

    def post(self, request):
        page = self.get_page()
        form = CampaignPageForm(request.POST, instance=page)
        sections = RightsSectionFormSet(request.POST, instance=page)
        if not (form.is_valid() and sections.is_valid()):
            messages.error(request, _("The page was not saved: please correct the errors below."))
            return self.render(request, form, sections)
        with transaction.atomic():
            saved = form.save()
            sections.instance = saved
            sections.save()
        messages.success(request, _("The campaign page is saved and live."))
        return redirect("campaign-dashboard:page")

    def render(self, request, form, sections):
        return render(request, self.template_name, {"form": form, "sections": sections, "title": _("Campaign page")})


@method_decorator(user_passes_test(lambda user: user.is_staff, login_url="customer:login"), name="dispatch")
class CatalogueTranslationsView(View):
    """Ukrainian titles, descriptions and category names, all on one page."""

    template_name = "campaign/dashboard/translations.html"

    def get_rows(self, data=None):
        def text(obj):
            return next((t for t in obj.translations.all() if t.language == "uk"), None)

        products = Product.objects.browsable_dashboard().prefetch_related("translations").order_by("title")
        categories = Category.objects.prefetch_related("translations").order_by("path")
        product_rows = []
        for product in products:
            current = text(product)
            initial = {"title": current.title, "description": current.description} if current else {}
            product_rows.append((product, ProductTranslationForm(data, prefix=f"p{product.pk}", initial=initial)))
        category_rows = []
        for category in categories:
            current = text(category)
            initial = {"name": current.name} if current else {}
            category_rows.append((category, CategoryTranslationForm(data, prefix=f"c{category.pk}", initial=initial)))
        return product_rows, category_rows

    def get(self, request):
        return self.render(request, *self.get_rows())

    def post(self, request):
        product_rows, category_rows = self.get_rows(request.POST)
        if not all(form.is_valid() for _, form in product_rows + category_rows):
            messages.error(request, _("Nothing was saved: please correct the errors below."))
            return self.render(request, product_rows, category_rows)
        save_catalogue_translations(
            products={product: form.cleaned_data for product, form in product_rows},
            categories={category: form.cleaned_data for category, form in category_rows},
        )
        messages.success(request, _("The Ukrainian catalogue texts are saved."))
        return redirect("campaign-dashboard:translations")

    def render(self, request, product_rows, category_rows):
        return render(
            request,
            self.template_name,
            {"product_rows": product_rows, "category_rows": category_rows, "title": _("Catalogue in Ukrainian")},
        )


app_name = "campaign-dashboard"
urlpatterns = [
    path("", CampaignPageEditView.as_view(), name="page"),
    path("translations/", CatalogueTranslationsView.as_view(), name="translations"),
]
