"""The aid categories and the controlled vocabulary of public descriptions that a new campaign starts with.

Migration 0004 seeds these with its own frozen copy; ``ensure_vocabulary``
puts back whatever is missing (``setup_shop`` calls it, so a database that
lost them, or a test database after a flush, has them again) and never
changes what finance volunteers edited since.
"""

from __future__ import annotations

from donations.models import AidCategory, PublicDescription

CATEGORIES: tuple[tuple[str, str, str], ...] = (
    # code, English, Ukrainian
    ("evacuation", "Evacuation", "Евакуація"),
    ("medicine", "Medicine", "Ліки"),
    ("food", "Food", "Харчування"),
    ("hygiene", "Hygiene", "Гігієна"),
    ("shelter", "Shelter", "Житло"),
    ("transport", "Transport", "Транспорт"),
    ("other", "Other aid", "Інша допомога"),
)

DESCRIPTIONS: tuple[tuple[str, str | None, str, str], ...] = (
    # code, category (None: any), English, Ukrainian
    ("evacuation-from-occupied", "evacuation", "Evacuation from the occupied territories",
     "Евакуація з окупованих територій"),
    ("evacuation-transport", "evacuation", "Safe transport for evacuees", "Безпечний транспорт для евакуйованих"),
    ("medicines", "medicine", "Medicines", "Ліки"),
    ("medical-supplies", "medicine", "Medical supplies and equipment", "Медичні засоби та обладнання"),
    ("food-packages", "food", "Food packages", "Продуктові набори"),
    ("hygiene-kits", "hygiene", "Hygiene kits", "Гігієнічні набори"),
    ("temporary-housing", "shelter", "Temporary housing", "Тимчасове житло"),
    ("essential-home-repairs", "shelter", "Essential home repairs", "Невідкладний ремонт житла"),
    ("transport-and-fuel", "transport", "Transport and fuel", "Транспорт і пальне"),
    ("humanitarian-aid", None, "Humanitarian aid", "Гуманітарна допомога"),
)


def ensure_vocabulary() -> dict[str, int]:
    """Create the categories and phrases that are missing; return how many of each were created."""
    created = {"aid categories": 0, "public descriptions": 0}
    categories = {}
    for order, (code, name, name_uk) in enumerate(CATEGORIES):
        categories[code], made = AidCategory.objects.get_or_create(
            code=code, defaults={"name": name, "name_uk": name_uk, "display_order": order}
        )
        created["aid categories"] += made
    for code, category, text, text_uk in DESCRIPTIONS:
        _description, made = PublicDescription.objects.get_or_create(
            code=code, defaults={"text": text, "text_uk": text_uk, "category": categories.get(category)}
        )
        created["public descriptions"] += made
    return created
