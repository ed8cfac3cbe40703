import oscar.apps.catalogue.apps as apps
from django.db.models.signals import post_delete, post_save


class CatalogueConfig(apps.CatalogueConfig):
    name = "shop.catalogue"

    def ready(self):
        super().ready()
        from oscar.core.loading import get_model

        from shop.catalogue.freshness import bump_catalogue_version

        for app_label, model_name in (
            ("catalogue", "Product"),
            ("catalogue", "ProductImage"),
            ("catalogue", "ProductCategory"),
            ("catalogue", "Category"),
            ("catalogue", "ProductAttributeValue"),
            ("partner", "StockRecord"),
        ):
            model = get_model(app_label, model_name)
            post_save.connect(bump_catalogue_version, sender=model, dispatch_uid=f"grid-{model_name}-save")
            post_delete.connect(bump_catalogue_version, sender=model, dispatch_uid=f"grid-{model_name}-delete")
