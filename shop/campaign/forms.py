from django import forms
from django.utils.translation import gettext_lazy as _

from shop.campaign.models import CampaignPage, RightsSection


class CampaignPageForm(forms.ModelForm):
    class Meta:
        model = CampaignPage
        fields = [
            f"{name}_{language}"
            for name in (
                "headline", "lead", "merch_intro", "background", "organisers_message",
                "statement", "call_to_act", "rights_intro",
            )
            for language in ("en", "uk")
        ] + ["hashtag", "rights_email", "partners_email", "press_email"]
        widgets = {
            name: forms.Textarea(attrs={"rows": 4})
            for name in (
                "lead_en", "lead_uk", "merch_intro_en", "merch_intro_uk", "background_en",
                "background_uk", "organisers_message_en", "organisers_message_uk",
                "statement_en", "statement_uk",
            )
        }


RightsSectionFormSet = forms.inlineformset_factory(
    CampaignPage,
    RightsSection,
    fields=["position", "title_en", "title_uk", "body_en", "body_uk"],
    widgets={"body_en": forms.Textarea(attrs={"rows": 5}), "body_uk": forms.Textarea(attrs={"rows": 5})},
    extra=1,
    can_delete=True,
)


class ProductTranslationForm(forms.Form):
    title = forms.CharField(label=_("Ukrainian title"), max_length=255, required=False)
    description = forms.CharField(
        label=_("Ukrainian description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class CategoryTranslationForm(forms.Form):
    name = forms.CharField(label=_("Ukrainian name"), max_length=255, required=False)
