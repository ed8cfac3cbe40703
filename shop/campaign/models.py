"""The campaign page's text, kept in the database so staff edit it without a deploy.

Each text has an English and a Ukrainian field side by side: translators see
both at once in the dashboard, and a missing translation falls back to the
other language rather than to an empty page.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CampaignPage(models.Model):
    """The one campaign page (the home page); further rows are ignored."""

    headline_en = models.CharField(_("headline (English)"), max_length=120)
    headline_uk = models.CharField(_("headline (Ukrainian)"), max_length=120)
    lead_en = models.TextField(_("lead (English)"))
    lead_uk = models.TextField(_("lead (Ukrainian)"))
    merch_intro_en = models.TextField(_("merch introduction (English)"))
    merch_intro_uk = models.TextField(_("merch introduction (Ukrainian)"))
    background_en = models.TextField(_("background (English)"))
    background_uk = models.TextField(_("background (Ukrainian)"))
    organisers_message_en = models.TextField(_("message from the organisers (English)"))
    organisers_message_uk = models.TextField(_("message from the organisers (Ukrainian)"))
    statement_en = models.TextField(_("statement (English)"))
    statement_uk = models.TextField(_("statement (Ukrainian)"))
    call_to_act_en = models.CharField(_("call to act (English)"), max_length=200)
    call_to_act_uk = models.CharField(_("call to act (Ukrainian)"), max_length=200)
    rights_intro_en = models.CharField(_("rights introduction (English)"), max_length=300)
    rights_intro_uk = models.CharField(_("rights introduction (Ukrainian)"), max_length=300)
    hashtag = models.CharField(_("hashtag"), max_length=60, default="#territoriesarepeople")
    rights_email = models.EmailField(_("address for reports of violated rights"))
    partners_email = models.EmailField(_("address for partners"))
    press_email = models.EmailField(_("address for the press"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("campaign page")

    def __str__(self) -> str:
        return self.headline_en


class RightsSection(models.Model):
    """One of the rights violated under occupation, as a section of the page."""

    page = models.ForeignKey(CampaignPage, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    title_en = models.CharField(_("title (English)"), max_length=120)
    title_uk = models.CharField(_("title (Ukrainian)"), max_length=120)
    body_en = models.TextField(_("text (English)"))
    body_uk = models.TextField(_("text (Ukrainian)"))

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("rights section")

    def __str__(self) -> str:
        return self.title_en


class ProductTranslation(models.Model):
    """A product's title and description in Ukrainian; the catalogue's own text is English.

    Oscar keeps one title per product; supporters on /uk/ read this one, and a
    product without a translation shows its English title rather than nothing.
    """

    product = models.ForeignKey("catalogue.Product", on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(_("language"), max_length=8, default="uk")
    title = models.CharField(_("title"), max_length=255)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["product", "language"], name="one_product_translation")]
        verbose_name = _("product translation")

    def __str__(self) -> str:
        return self.title


class CategoryTranslation(models.Model):
    """A category's name in Ukrainian; the catalogue's own text is English."""

    category = models.ForeignKey("catalogue.Category", on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(_("language"), max_length=8, default="uk")
    name = models.CharField(_("name"), max_length=255)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["category", "language"], name="one_category_translation")]
        verbose_name = _("category translation")

    def __str__(self) -> str:
        return self.name
