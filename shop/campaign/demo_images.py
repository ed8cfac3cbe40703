"""Product and share images drawn with Pillow, so the shop looks finished without photos.

Nothing is downloaded and no font files are shipped: the only font is Pillow's
built-in one (Latin only), which is why every word drawn here is English or a
symbol. Drawing is deterministic: the same arguments give the same PNG bytes, so
re-running the demo loader or regenerating the committed Open Graph images
produces no spurious changes.

Run ``python -m shop.campaign.demo_images static/img`` to rewrite the two
Open Graph images kept under ``static/img``.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

# The campaign's colours, as in static/css/campaign.css.
BLUE = (0, 87, 183)
YELLOW = (255, 215, 0)
INK = (27, 31, 36)
SOFT = (244, 246, 249)
PAPER = (255, 255, 255)

# Garment and bag colours by the names used in the "Colour" attribute.
FABRIC = {
    "Black": (33, 33, 35),
    "White": (246, 246, 242),
    "Olive": (92, 98, 56),
    "Navy": (31, 42, 68),
    "Natural": (233, 225, 207),
}

MOTTO = ("TERRITORIES", "ARE PEOPLE")
HASHTAG = "#territoriesarepeople"

# Drawn at twice the size and scaled down: Pillow's shapes have no anti-aliasing.
SUPERSAMPLE = 2
PRODUCT_SIZE = 800


@lru_cache(maxsize=64)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def _fabric(colour: str) -> tuple[int, int, int]:
    return FABRIC.get(colour, FABRIC["White"])


def _is_dark(rgb: tuple[int, int, int]) -> bool:
    red, green, blue = rgb
    return 0.299 * red + 0.587 * green + 0.114 * blue < 140


def _ink_on(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    return PAPER if _is_dark(rgb) else INK


def _shade(rgb: tuple[int, int, int], factor: float) -> tuple[int, int, int]:
    """A darker (factor < 1) or lighter (factor > 1) variant, for seams and folds."""
    if factor <= 1:
        return tuple(round(channel * factor) for channel in rgb)  # type: ignore[return-value]
    return tuple(round(channel + (255 - channel) * (factor - 1)) for channel in rgb)  # type: ignore[return-value]


def _fitted_font(draw: ImageDraw.ImageDraw, text: str, max_width: float, max_size: int) -> ImageFont.FreeTypeFont:
    size = max_size
    while size > 8 and draw.textlength(text, font=_font(size)) > max_width:
        size -= 2
    return _font(size)


def _text_block(
    draw: ImageDraw.ImageDraw,
    lines: Sequence[str],
    *,
    centre_x: float,
    top: float,
    max_width: float,
    max_size: int,
    fill: tuple[int, int, int],
    bold: bool = True,
) -> float:
    """Draw centred lines in one size (the widest line decides it); return the bottom edge."""
    size = min(_fitted_font(draw, line, max_width, max_size).size for line in lines)
    font = _font(size)
    y = top
    stroke = max(1, size // 22) if bold else 0
    for line in lines:
        draw.text((centre_x, y), line, font=font, fill=fill, anchor="ma", stroke_width=stroke, stroke_fill=fill)
        y += size * 1.12
    return y


def _mark(
    draw: ImageDraw.ImageDraw, centre: tuple[float, float], radius: float, ring: tuple[int, int, int] | None = None
) -> None:
    """The campaign mark: a disc, blue above yellow, as in the site header.

    On a blue ground the blue half would vanish, so a ``ring`` sets it off.
    """
    x, y = centre
    if ring is not None:
        border = radius * 0.12
        draw.ellipse((x - radius - border, y - radius - border, x + radius + border, y + radius + border), fill=ring)
    box = (x - radius, y - radius, x + radius, y + radius)
    draw.pieslice(box, 180, 360, fill=BLUE)
    draw.pieslice(box, 0, 180, fill=YELLOW)


def _heart(draw: ImageDraw.ImageDraw, centre: tuple[float, float], radius: float, fill: tuple[int, int, int]) -> None:
    """Two overlapping discs and the triangle tangent to both (45° sides)."""
    x, y = centre
    offset = radius * 0.7
    for lobe_x in (x - offset, x + offset):
        draw.ellipse((lobe_x - radius, y - radius, lobe_x + radius, y + radius), fill=fill)
    reach = radius * 0.7071
    draw.polygon(
        [(x - offset - reach, y + reach), (x + offset + reach, y + reach), (x, y + reach + offset + reach)],
        fill=fill,
    )


def _print_area(
    draw: ImageDraw.ImageDraw,
    lines: Sequence[str],
    *,
    centre_x: float,
    top: float,
    width: float,
    fabric: tuple[int, int, int],
    scale: float,
) -> None:
    """The chest print shared by t-shirts, hoodies and totes: motto, hashtag, mark."""
    ink = _ink_on(fabric)
    bottom = _text_block(
        draw, lines, centre_x=centre_x, top=top, max_width=width, max_size=round(54 * scale), fill=ink
    )
    hashtag_font = _fitted_font(draw, HASHTAG, width * 0.8, round(24 * scale))
    draw.text((centre_x, bottom + 8 * scale), HASHTAG, font=hashtag_font, fill=ink, anchor="ma")
    _mark(draw, (centre_x, bottom + 62 * scale), 14 * scale)


def _draw_tshirt(draw: ImageDraw.ImageDraw, s: float, fabric: tuple[int, int, int], lines: Sequence[str]) -> None:
    outline = [
        (330, 140), (400, 182), (470, 140), (575, 168), (690, 275), (618, 352), (565, 305),
        (565, 690), (235, 690), (235, 305), (182, 352), (110, 275), (225, 168),
    ]
    draw.polygon([(x * s, y * s) for x, y in outline], fill=fabric, outline=_shade(fabric, 0.8), width=round(3 * s))
    draw.chord((330 * s, 100 * s, 470 * s, 200 * s), 0, 180, fill=_shade(fabric, 0.78))
    _print_area(draw, lines, centre_x=400 * s, top=285 * s, width=250 * s, fabric=fabric, scale=s)


def _draw_hoodie(draw: ImageDraw.ImageDraw, s: float, fabric: tuple[int, int, int], lines: Sequence[str]) -> None:
    seam = _shade(fabric, 0.78)
    draw.ellipse((300 * s, 70 * s, 500 * s, 250 * s), fill=_shade(fabric, 0.88))
    outline = [
        (320, 165), (480, 165), (590, 190), (655, 300), (700, 640), (630, 655), (590, 360),
        (585, 700), (215, 700), (210, 360), (170, 655), (100, 640), (145, 300), (210, 190),
    ]
    draw.polygon([(x * s, y * s) for x, y in outline], fill=fabric, outline=seam, width=round(3 * s))
    draw.chord((325 * s, 120 * s, 475 * s, 230 * s), 0, 180, fill=_shade(fabric, 0.7))
    for x in (375, 425):
        draw.line((x * s, 215 * s, x * s, 300 * s), fill=_shade(fabric, 1.6), width=round(5 * s))
    draw.polygon(
        [(x * s, y * s) for x, y in [(290, 560), (510, 560), (550, 660), (250, 660)]],
        outline=seam, width=round(3 * s),
    )
    draw.rectangle((215 * s, 675 * s, 585 * s, 700 * s), fill=_shade(fabric, 0.88))
    _print_area(draw, lines, centre_x=400 * s, top=300 * s, width=240 * s, fabric=fabric, scale=s * 0.9)


def _draw_tote_bag(draw: ImageDraw.ImageDraw, s: float, fabric: tuple[int, int, int], lines: Sequence[str]) -> None:
    strap = _shade(fabric, 0.85)
    for left in (270, 420):
        draw.arc((left * s, 120 * s, (left + 110) * s, 420 * s), 180, 360, fill=strap, width=round(22 * s))
    draw.rectangle((210 * s, 270 * s, 590 * s, 710 * s), fill=fabric, outline=_shade(fabric, 0.8), width=round(3 * s))
    draw.line((210 * s, 300 * s, 590 * s, 300 * s), fill=_shade(fabric, 0.85), width=round(2 * s))
    _print_area(draw, lines, centre_x=400 * s, top=360 * s, width=300 * s, fabric=fabric, scale=s)


def _draw_sticker_pack(
    draw: ImageDraw.ImageDraw, s: float, fabric: tuple[int, int, int], lines: Sequence[str]
) -> None:
    sheet = PAPER if fabric == FABRIC["White"] else _shade(fabric, 1.7)
    draw.rounded_rectangle(
        (150 * s, 110 * s, 650 * s, 690 * s), radius=24 * s, fill=sheet, outline=(210, 212, 216), width=round(3 * s)
    )
    # A round mark sticker, a motto strip, a hashtag strip and a yellow heart.
    _mark(draw, (290 * s, 250 * s), 95 * s)
    draw.rounded_rectangle((410 * s, 170 * s, 610 * s, 330 * s), radius=20 * s, fill=INK)
    _text_block(draw, lines, centre_x=510 * s, top=215 * s, max_width=170 * s, max_size=round(34 * s), fill=PAPER)
    draw.rounded_rectangle((190 * s, 390 * s, 610 * s, 470 * s), radius=40 * s, fill=BLUE)
    hashtag_font = _fitted_font(draw, HASHTAG, 380 * s, round(34 * s))
    draw.text((400 * s, 430 * s), HASHTAG, font=hashtag_font, fill=YELLOW, anchor="mm")
    _heart(draw, (290 * s, 560 * s), 52 * s, YELLOW)
    draw.ellipse((440 * s, 510 * s, 600 * s, 670 * s), fill=INK)
    _mark(draw, (520 * s, 590 * s), 50 * s)


def _draw_poster(draw: ImageDraw.ImageDraw, s: float, fabric: tuple[int, int, int], lines: Sequence[str]) -> None:
    draw.rectangle((188 * s, 88 * s, 628 * s, 728 * s), fill=(205, 208, 214))  # shadow
    draw.rectangle((172 * s, 72 * s, 612 * s, 712 * s), fill=fabric)
    ink = _ink_on(fabric)
    words = [word for line in lines for word in line.split()]
    # One word a line; the words share the space above the mark, however many there are.
    size = min(88 * s, 300 * s / (len(words) * 1.12))
    bottom = _text_block(draw, words, centre_x=392 * s, top=120 * s, max_width=360 * s, max_size=round(size), fill=ink)
    radius = 55 * s
    _mark(draw, (392 * s, min(bottom + radius + 10 * s, 545 * s - radius)), radius)
    draw.rectangle((172 * s, 560 * s, 612 * s, 600 * s), fill=BLUE)
    draw.rectangle((172 * s, 600 * s, 612 * s, 640 * s), fill=YELLOW)
    hashtag_font = _fitted_font(draw, HASHTAG, 360 * s, round(26 * s))
    draw.text((392 * s, 672 * s), HASHTAG, font=hashtag_font, fill=ink, anchor="mm")


def _draw_donation(draw: ImageDraw.ImageDraw, s: float, fabric: tuple[int, int, int], lines: Sequence[str]) -> None:
    draw.rounded_rectangle((120 * s, 120 * s, 680 * s, 400 * s), radius=40 * s, fill=BLUE,
                           corners=(True, True, False, False))
    draw.rounded_rectangle((120 * s, 400 * s, 680 * s, 680 * s), radius=40 * s, fill=YELLOW,
                           corners=(False, False, True, True))
    _text_block(draw, ("A GIFT TO", "THE AID FUND"), centre_x=400 * s, top=200 * s, max_width=440 * s,
                max_size=round(60 * s), fill=PAPER)
    _text_block(draw, lines, centre_x=400 * s, top=470 * s, max_width=400 * s, max_size=round(44 * s), fill=INK)


PRODUCT_DRAWINGS: dict[str, Callable[[ImageDraw.ImageDraw, float, tuple[int, int, int], Sequence[str]], None]] = {
    "tshirt": _draw_tshirt,
    "hoodie": _draw_hoodie,
    "tote-bag": _draw_tote_bag,
    "sticker-pack": _draw_sticker_pack,
    "poster": _draw_poster,
    "donation": _draw_donation,
}


def _png(image: Image.Image, *, colours: int | None = None) -> bytes:
    """PNG bytes without metadata (so identical pixels give identical bytes).

    A palette of ``colours`` keeps flat artwork small; the committed share
    images must stay under 100 KB.
    """
    if colours:
        image = image.quantize(colors=colours, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=colours is not None)
    return buffer.getvalue()


def _canvas(width: int, height: int, background: tuple[int, int, int]) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    image = Image.new("RGB", (width * SUPERSAMPLE, height * SUPERSAMPLE), background)
    return image, ImageDraw.Draw(image)


def _downsampled(image: Image.Image, width: int, height: int) -> Image.Image:
    return image.resize((width, height), Image.Resampling.LANCZOS)


def render_product_image(kind: str, colour: str = "White", lines: Sequence[str] = MOTTO) -> bytes:
    """An 800×800 PNG of one product kind (a product class slug) in a fabric colour.

    ``lines`` is the printed design, one string per line, in Latin letters only.
    """
    try:
        drawing = PRODUCT_DRAWINGS[kind]
    except KeyError:
        raise ValueError(f"No drawing for product kind {kind!r}; known: {', '.join(PRODUCT_DRAWINGS)}") from None
    image, draw = _canvas(PRODUCT_SIZE, PRODUCT_SIZE, SOFT)
    drawing(draw, float(SUPERSAMPLE), _fabric(colour), tuple(lines))
    return _png(_downsampled(image, PRODUCT_SIZE, PRODUCT_SIZE))


def render_og_campaign_image() -> bytes:
    """The 1200×630 image shared links show (Open Graph, Twitter cards)."""
    width, height = 1200, 630
    image, draw = _canvas(width, height, BLUE)
    s = float(SUPERSAMPLE)
    draw.rectangle((0, 470 * s, width * s, height * s), fill=YELLOW)
    _mark(draw, (110 * s, 110 * s), 44 * s, ring=PAPER)
    _text_block(draw, ("TERRITORIES", "ARE PEOPLE"), centre_x=600 * s, top=150 * s, max_width=980 * s,
                max_size=round(128 * s), fill=PAPER)
    tagline = "Merch whose proceeds fund aid to people under occupation"
    draw.text((600 * s, 515 * s), tagline, font=_fitted_font(draw, tagline, 1040 * s, round(38 * s)), fill=INK,
              anchor="ma")
    draw.text((600 * s, 570 * s), HASHTAG, font=_font(round(30 * s)), fill=BLUE, anchor="ma")
    return _png(_downsampled(image, width, height), colours=48)


def render_og_product_fallback() -> bytes:
    """The 512×512 share image for a product page whose product has no image."""
    size = 512
    image, draw = _canvas(size, size, BLUE)
    s = float(SUPERSAMPLE)
    draw.rectangle((0, 340 * s, size * s, size * s), fill=YELLOW)
    _mark(draw, (256 * s, 90 * s), 40 * s, ring=PAPER)
    _text_block(draw, MOTTO, centre_x=256 * s, top=165 * s, max_width=440 * s, max_size=round(64 * s), fill=PAPER)
    draw.text((256 * s, 425 * s), HASHTAG, font=_fitted_font(draw, HASHTAG, 440 * s, round(34 * s)), fill=INK,
              anchor="mm")
    return _png(_downsampled(image, size, size), colours=48)


def write_open_graph_images(directory: Path) -> list[Path]:
    """Write og-campaign.png and og-product-fallback.png into ``directory`` (static/img)."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, render in (("og-campaign.png", render_og_campaign_image),
                         ("og-product-fallback.png", render_og_product_fallback)):
        path = directory / name
        path.write_bytes(render())
        written.append(path)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "static" / "img"
    for written_path in write_open_graph_images(target):
        print(f"{written_path} ({written_path.stat().st_size // 1024} KB)")
