"""English text that must not reach a Ukrainian page or email, and a reader that finds it.

The forbidden strings come from the three places English can leak from:
(a) the catalogue's own English texts (product titles and descriptions that
have a Ukrainian translation, category names, colours, shipping methods);
(b) our message catalogue: every msgid whose Ukrainian text differs;
(c) Oscar's templates: every translatable string of theirs.
A string counts only as a whole phrase (word boundaries, case-sensitive), so
"Size" does not match inside "Sizes" and a brand does not match a msgid.
"""

from __future__ import annotations

import gettext
import re
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

import oscar
from django.conf import settings

# Phrases that are Ukrainian text too, or are not language at all. Keep short and explained.
ALLOWED = {
    "English",  # the language switch names each language in itself
    "EUR", "UAH", "USD", "PLN", "ISO 4217",  # currency codes
    "CSV", "JSON", "PDF", "IATI", "SHA-256",  # file formats and standards, named as such in Ukrainian too
    "Stripe", "Visa", "Mastercard",  # brands
    "OK",
    "Example",  # the demo ledger's payees are fictional firms named "Example …", published as recorded
}
# Share buttons carry each network's own name.
SHARE_NETWORKS = {"Facebook", "X", "Telegram", "WhatsApp"}

_PLACEHOLDER = re.compile(r"%\(\w+\)[sdf]|%[sd]|\{\{.*?\}\}|\{%.*?%\}|<[^>]+>|\{\w*\}")
_MIN_LENGTH = 4


def _phrases(msgid: str) -> list[str]:
    """The literal parts of a msgid between its placeholders and tags, long enough to mean something."""
    parts = [" ".join(part.split()) for part in _PLACEHOLDER.split(msgid)]
    phrases = []
    for part in parts:
        part = part.strip(" .,:;!?—-–()\"'«»…")
        if len(part) < _MIN_LENGTH or not re.search(r"[A-Za-z]{3}", part):
            continue
        if part in ALLOWED or part in SHARE_NETWORKS:
            continue
        phrases.append(part)
    return phrases


@lru_cache(maxsize=1)
def message_catalogue_phrases() -> frozenset[str]:
    """(b) English msgids of ours whose Ukrainian text differs, from the compiled catalogue."""
    path = Path(settings.BASE_DIR) / "locale" / "uk" / "LC_MESSAGES" / "django.mo"
    with path.open("rb") as mo:
        catalogue = gettext.GNUTranslations(mo)._catalog  # noqa: SLF001 -- the one way to list a .mo's entries
    phrases: set[str] = set()
    for key, translated in catalogue.items():
        msgid = key[0] if isinstance(key, tuple) else key
        msgid = msgid.split("\x04", 1)[-1]  # drop a msgctxt
        if msgid and msgid != translated:
            phrases.update(_phrases(msgid))
    return frozenset(phrases)


_TRANS = re.compile(r"""\{%\s*trans(?:late)?\s+(["'])(.+?)\1""")
_BLOCKTRANS = re.compile(r"\{%\s*blocktrans(?:late)?\b[^%]*%\}(.*?)\{%\s*(?:endblocktrans(?:late)?|plural)\s*%\}", re.S)


@lru_cache(maxsize=1)
def oscar_template_phrases() -> frozenset[str]:
    """(c) Every translatable string in Oscar's storefront templates (its dashboard is for staff)."""
    root = Path(oscar.__file__).parent / "templates" / "oscar"
    phrases: set[str] = set()
    for template in root.rglob("*.*"):
        if "dashboard" in template.parts:
            continue
        source = template.read_text(encoding="utf-8", errors="replace")
        for match in _TRANS.finditer(source):
            phrases.update(_phrases(match.group(2)))
        for match in _BLOCKTRANS.finditer(source):
            phrases.update(_phrases(match.group(1)))
    return frozenset(phrases)


def catalogue_phrases() -> set[str]:
    """(a) The catalogue's English texts that have a Ukrainian counterpart."""
    from oscar.core.loading import get_model  # noqa: PLC0415

    from shop.campaign.models import CategoryTranslation, ProductTranslation  # noqa: PLC0415
    from shop.campaign.reference_data import COLOURS  # noqa: PLC0415

    weight_based = get_model("shipping", "WeightBased")
    phrases: set[str] = set(COLOURS)
    for translation in ProductTranslation.objects.filter(language="uk").select_related("product"):
        phrases.add(translation.product.title)
        description = " ".join((translation.product.description or "").split())
        if description:
            phrases.add(re.split(r"(?<=[.!?])\s", description)[0][:80])
    for translation in CategoryTranslation.objects.filter(language="uk").select_related("category"):
        phrases.add(translation.category.name)
    for method in weight_based.objects.all():
        phrases.update({method.name, method.description})
    return {phrase for phrase in phrases if phrase and len(phrase) >= _MIN_LENGTH}


def forbidden_phrases() -> set[str]:
    return set(message_catalogue_phrases()) | set(oscar_template_phrases()) | catalogue_phrases()


class _Reader(HTMLParser):
    """What a reader or a screen reader gets: text, and the attributes that are read out or shown."""

    READ_ATTRIBUTES = ("alt", "title", "aria-label", "placeholder")
    # Code is not language: file names, command lines, a checkpoint's signed text.
    SKIP = ("script", "style", "template", "code", "pre", "kbd", "samp")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self._skipping += 1
        values = dict(attrs)
        for name in self.READ_ATTRIBUTES:
            if values.get(name):
                self.parts.append(values[name])
        if tag == "meta" and values.get("content") and (
            values.get("name") in ("description", "twitter:title", "twitter:description")
            or (values.get("property") or "").startswith("og:") and values.get("property") not in (
                "og:url", "og:image", "og:type", "og:locale", "og:locale:alternate", "og:site_name")
        ):
            self.parts.append(values["content"])
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.parts.append(values["value"])

    def handle_endtag(self, tag):
        if tag in self.SKIP and self._skipping:
            self._skipping -= 1

    def handle_data(self, data):
        if not self._skipping and data.strip():
            self.parts.append(data)


def readable_text(html: str) -> str:
    reader = _Reader()
    reader.feed(html)
    return "\n".join(" ".join(part.split()) for part in reader.parts)


_ADDRESS = re.compile(r"(?:https?://|/(?:en|uk)/)\S+|[\w.+-]+@[\w-]+\.[\w.]+")


def english_leftovers(text: str, phrases: set[str] | None = None) -> list[str]:
    """The forbidden phrases found in the text, each as a whole phrase, with a little of its context.

    Web and email addresses are left out: their words are paths, not language.
    """
    phrases = forbidden_phrases() if phrases is None else phrases
    text = _ADDRESS.sub(" ", " ".join(text.split()))
    found = []
    for phrase in sorted(phrases):
        if phrase not in text:
            continue
        match = re.search(rf"(?<![\w]){re.escape(phrase)}(?![\w])", text)
        if match:
            found.append(f"{phrase!r} in …{text[max(0, match.start() - 40):match.end() + 40]}…")
    return found
