"""Oscar's product form with the Ukrainian title and description beside the English ones.

Staff edit a product's texts in both languages in one place; the catalogue's
own fields stay English and the Ukrainian ones live in ProductTranslation.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from oscar.apps.dashboard.catalogue import forms as oscar_forms

from shop.campaign.translations import save_product_translation

TRANSLATED_LANGUAGE = "uk"


class ProductForm(oscar_forms.ProductForm):
    def __init__(self, product_class: Any, *args: Any, data: Any = None, parent: Any = None, **kwargs: Any) -> None:
        super().__init__(product_class, *args, data=data, parent=parent, **kwargs)
        if parent is not None or self.instance.is_child:
            return  # a variant reads as its product's title and its options
        current = None
        if self.instance.pk:
            current = self.instance.translations.filter(language=TRANSLATED_LANGUAGE).first()
        self.fields["title_uk"] = forms.CharField(
            label=_("Title (Ukrainian)"), max_length=255, required=False,
            initial=current.title if current else "",
            help_text=_("Shown on the Ukrainian pages; left empty, they show the English title."),
        )
        self.fields["description_uk"] = forms.CharField(
            label=_("Description (Ukrainian)"), required=False, widget=forms.Textarea,
            initial=current.description if current else "",
        )
        order = list(self.fields)
        for name, after in (("title_uk", "title"), ("description_uk", "description")):
            order.remove(name)
            order.insert(order.index(after) + 1 if after in order else len(order), name)
        self.order_fields(order)

    def save(self, commit: bool = True) -> Any:
        product = super().save(commit=commit)
        if commit and "title_uk" in self.cleaned_data:
            save_product_translation(
                product=product,
                title=self.cleaned_data["title_uk"],
                description=self.cleaned_data["description_uk"],
                language=TRANSLATED_LANGUAGE,
            )
        return product
