"""Staff edit the campaign page in Oscar's dashboard, both languages side by side."""

from django.contrib import messages
from django.contrib.auth.decorators import user_passes_test
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View

from shop.campaign.forms import CampaignPageForm, RightsSectionFormSet
from shop.campaign.models import CampaignPage


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


app_name = "campaign-dashboard"
urlpatterns = [path("", CampaignPageEditView.as_view(), name="page")]
