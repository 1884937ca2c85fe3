"""Illustrations for the demo wiki, drawn with Pillow so the repository ships no binary files.

The drawings are our own original work, licensed CC BY-SA 4.0. Every fact in a picture (dates,
term names, glosses, examples) is taken from the demo article it illustrates, in
wiki/demo/content/articles/; change the two together.

Contract: each ``draw()`` returns the same PNG bytes on every call on a given machine (no
randomness, no timestamps, no PNG metadata). Fonts fall back to Pillow's built-in font when
the DejaVu files are missing, and Japanese text is left out when no CJK font is installed.
"""

import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
FONT_FILES = {
    "regular": DEJAVU / "DejaVuSans.ttf",
    "bold": DEJAVU / "DejaVuSans-Bold.ttf",
    "italic": DEJAVU / "DejaVuSans-Oblique.ttf",
}
CJK_FONT_FILE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")  # index 0 = JP

# Okabe-Ito colours (distinguishable with the common colour-vision deficiencies); text is
# always dark on white or on a pale tint, and colour never carries meaning on its own.
INK = (33, 33, 33)
MUTED = (90, 90, 90)
GRID = (222, 222, 222)
WHITE = (255, 255, 255)
ORANGE = (230, 159, 0)
SKY = (86, 180, 233)
GREEN = (0, 158, 115)
BLUE = (0, 114, 178)
VERMILION = (213, 94, 0)
PURPLE = (204, 121, 167)

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@dataclass(frozen=True)
class DemoImage:
    name: str
    alt: str
    description: str
    article: str
    caption: str
    draw: Callable[[], bytes]


# --- Shared helpers ---------------------------------------------------------------------------


@cache
def font(size: int, style: str = "regular") -> Font:
    try:
        # BASIC layout gives the same glyph placement with or without libraqm.
        return ImageFont.truetype(FONT_FILES[style], size, layout_engine=ImageFont.Layout.BASIC)
    except OSError:
        return ImageFont.load_default(size=size)


@cache
def cjk_font(size: int) -> Font | None:
    try:
        return ImageFont.truetype(
            CJK_FONT_FILE, size, index=0, layout_engine=ImageFont.Layout.BASIC
        )
    except OSError:
        return None


def tint(colour: tuple[int, int, int], amount: float = 0.82) -> tuple[int, int, int]:
    """The colour mixed with white: amount=0.82 keeps 18% of the colour."""
    return tuple(round(c + (255 - c) * amount) for c in colour)


def canvas(width: int, height: int) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    img = Image.new("RGB", (width, height), WHITE)
    return img, ImageDraw.Draw(img)


def to_png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG", optimize=True)
    return buf.getvalue()


def text_width(text: str, fnt: Font) -> int:
    return round(fnt.getlength(text))


def write(draw, xy, text, size, style="regular", fill=INK, anchor="la") -> int:
    """Draw one line of text; returns the x just after it (for left-anchored text)."""
    fnt = font(size, style)
    draw.text(xy, text, font=fnt, fill=fill, anchor=anchor)
    return xy[0] + text_width(text, fnt)


def write_mixed(draw, xy, parts, size, fill=INK) -> None:
    """One line from (text, is_japanese) parts on a shared baseline at xy.

    Japanese parts are left out when no CJK font is installed, so give each one the
    punctuation around it.
    """
    x, y = xy
    for text, is_japanese in parts:
        fnt = cjk_font(size) if is_japanese else font(size)
        if fnt is None:
            continue
        draw.text((x, y), text, font=fnt, fill=fill, anchor="ls")
        x += text_width(text, fnt)


def wrap(text: str, fnt: Font, max_width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(f"{lines[-1]} {word}", fnt) <= max_width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def title(draw, heading: str, subtitle: str | list[tuple[str, bool]]) -> None:
    """Heading and subtitle; the subtitle may be mixed-script parts (see write_mixed)."""
    write(draw, (60, 44), heading, 40, "bold")
    parts = [(subtitle, False)] if isinstance(subtitle, str) else subtitle
    write_mixed(draw, (60, 124), parts, 25, fill=MUTED)


def arrow(draw, x_from: int, x_to: int, y: int, colour, dashed: bool = False) -> None:
    """A horizontal arrow from x_from to x_to, head at x_to."""
    step = 1 if x_to > x_from else -1
    head = 22
    shaft_end = x_to - step * head
    if dashed:
        for x in range(x_from, shaft_end, step * 28):
            end = x + step * 16
            if (end - shaft_end) * step > 0:
                end = shaft_end
            draw.line([(x, y), (end, y)], fill=colour, width=6)
    else:
        draw.line([(x_from, y), (shaft_end, y)], fill=colour, width=6)
    draw.polygon([(x_to, y), (shaft_end, y - 13), (shaft_end, y + 13)], fill=colour)


# --- 1. Timeline (otaku.md, moe.md, shipping.md, tsundere.md, waifu.md, yandere.md, isekai.md) --

# (term, when as the article words it, start year, end year, context from the article).
# Exact years are dots; periods ("mid-2000s") are bars: early = years 0-4 of the decade,
# mid = 3-7, whole decade = 0-10.
TIMELINE = (
    ("Otaku", "1983", 1983, 1983, "Akio Nakamori's articles in Manga Burikko"),
    ("Moe", "1990s", 1990, 2000, "spreads through fan circles and message boards"),
    ("Shipping", "mid-1990s", 1993, 1997, "X-Files fans online: “relationshippers”"),
    ("Tsundere", "early 2000s", 2000, 2004, "gains currency among visual-novel fans"),
    ("Waifu", "2000s", 2000, 2010, "fan sense grows in English-language online communities"),
    ("Yandere", "mid-2000s", 2003, 2007, "becomes common in fan slang"),
    ("Isekai", "2010s", 2010, 2020, "comes to mean, above all, a wave of light novels and anime"),
)
FIRST_YEAR, LAST_YEAR = 1980, 2020


def draw_timeline() -> bytes:
    img, draw = canvas(1400, 800)
    title(draw, "When some fandom words came into use", "Dates as given in Kotoba's articles")
    left, right, top, row = 90, 1310, 170, 72
    bottom = top + row * len(TIMELINE)

    def x_of(year: float) -> int:
        return round(left + (year - FIRST_YEAR) / (LAST_YEAR - FIRST_YEAR) * (right - left))

    for year in range(FIRST_YEAR, LAST_YEAR + 1, 5):
        draw.line([(x_of(year), top - 10), (x_of(year), bottom)], fill=GRID, width=2)
        draw.line([(x_of(year), bottom), (x_of(year), bottom + 12)], fill=INK, width=2)
        write(draw, (x_of(year), bottom + 20), str(year), 24, anchor="mt")
    draw.line([(left, bottom), (right, bottom)], fill=INK, width=3)

    for i, entry in enumerate(TIMELINE):
        timeline_row(draw, entry, top + row * i + row // 2, x_of, right)

    legend_y = bottom + 90
    draw.ellipse([80, legend_y - 10, 100, legend_y + 10], fill=BLUE)
    write(draw, (114, legend_y), "year stated in the article", 24, anchor="lm")
    draw.rounded_rectangle([500, legend_y - 9, 580, legend_y + 9], 9, fill=tint(SKY, 0.45))
    write(draw, (596, legend_y), "approximate period stated in the article", 24, anchor="lm")
    return to_png(img)


def timeline_row(draw, entry, y: int, x_of: Callable[[float], int], right: int) -> None:
    term, when, start, end, context = entry
    x0, x1 = x_of(start), x_of(end)
    if end > start:
        draw.rounded_rectangle([x0, y - 9, x1, y + 9], 9, fill=tint(SKY, 0.45))
    middle = (x0 + x1) // 2
    draw.ellipse([middle - 10, y - 10, middle + 10, y + 10], fill=BLUE, outline=WHITE, width=2)

    heading, note = f"{term}, {when}", context
    label_width = max(text_width(heading, font(27, "bold")), text_width(note, font(23)))
    fits_right = x1 + 20 + label_width <= right + 60  # labels may use the right margin
    x = x1 + 20 if fits_right else x0 - 20 - label_width
    draw.rectangle([x - 6, y - 34, x + label_width + 6, y + 34], fill=WHITE)
    write(draw, (x, y - 4), heading, 27, "bold", anchor="ls")
    write(draw, (x, y + 4), note, 23, fill=MUTED, anchor="lt")


# --- 2. The -dere types (tsundere-vs-yandere.md, tsundere.md, yandere.md) -------------------

# (name, katakana, first element, surface, underneath, arc, colour)
MAIN_DERE = (
    (
        "Tsundere",
        "ツンデレ",
        "tsun-tsun, “prickly, aloof”",
        "cold, irritable, dismissive",
        "genuine affection",
        "harshness gives way to warmth",
        ORANGE,
    ),
    (
        "Yandere",
        "ヤンデレ",
        "yanderu, “sick”, mentally unwell",
        "sweet, devoted, often cheerful",
        "obsession and possessiveness",
        "affection gives way to menace",
        BLUE,
    ),
)
OTHER_DERE = (
    ("Kuudere", "a cool and impassive character", GREEN),
    ("Dandere", "a quiet and shy character", PURPLE),
)


def draw_dere_types() -> bytes:
    img, draw = canvas(1400, 860)
    subtitle = [
        ("Each name ends in dere-dere", False),
        (" デレデレ", True),
        (", “lovestruck”", False),
    ]
    title(draw, "The “-dere” character types", subtitle)
    for i, card in enumerate(MAIN_DERE):
        main_dere_card(draw, card, left=60 + i * 660, top=160)
    write(draw, (60, 600), "Other names fans use", 28, "bold")
    write(draw, (60, 640), "Informal labels; their boundaries are debated.", 24, fill=MUTED)
    for i, (name, gloss, colour) in enumerate(OTHER_DERE):
        left = 60 + i * 660
        draw.rounded_rectangle(
            [left, 690, left + 620, 800], 14, fill=tint(colour), outline=colour, width=4
        )
        write(draw, (left + 28, 732), name, 32, "bold", anchor="ls")
        write(draw, (left + 28, 748), gloss, 26, anchor="lt")
    return to_png(img)


def main_dere_card(draw, card, left: int, top: int) -> None:
    name, katakana, first, surface, underneath, arc, colour = card
    right, bottom = left + 620, top + 400
    draw.rounded_rectangle([left, top, right, bottom], 16, fill=WHITE, outline=colour, width=4)
    draw.rounded_rectangle(
        [left, top, right, top + 110], 16, fill=tint(colour), outline=colour, width=4
    )
    draw.rectangle([left + 4, top + 90, right - 4, top + 106], fill=tint(colour))  # square base
    name_end = write(draw, (left + 28, top + 52), name, 40, "bold", anchor="ls")
    write_mixed(draw, (name_end + 16, top + 52), [(katakana, True)], 32, fill=MUTED)
    write(draw, (left + 28, top + 68), f"from {first}", 24, fill=MUTED)

    y = top + 140
    for label, value in (("On the surface", surface), ("Underneath", underneath), ("Arc", arc)):
        write(draw, (left + 28, y), label.upper(), 20, "bold", fill=MUTED)
        write(draw, (left + 28, y + 28), value, 28)
        y += 84


# --- 3. Isekai subtypes (isekai.md) ----------------------------------------------------------

# (subtype, premise, example, colour, dashed, reverse) as in the article's "Subtypes" table.
ISEKAI_ROUTES = (
    (
        "Transfer (ten'i)",
        "moved bodily into the other world",
        "Re:Zero",  # "Re:Zero – Starting Life in Another World"; short form fits any font
        BLUE,
        False,
        False,
    ),
    (
        "Reincarnation (tensei)",
        "dies and is reborn there",
        "That Time I Got Reincarnated as a Slime",
        VERMILION,
        False,
        False,
    ),
    (
        "Trapped in a game",
        "stuck in a virtual world; the body stays in ours",
        "Sword Art Online",
        GREEN,
        True,
        False,
    ),
    (
        "Reverse isekai",
        "someone from a fantasy world arrives in ours",
        "The Devil Is a Part-Timer!",
        PURPLE,
        False,
        True,
    ),
)


def draw_isekai_routes() -> bytes:
    img, draw = canvas(1400, 860)
    subtitle = [
        ("Isekai", False),
        (" 異世界", True),
        (", “different world”: four subtypes, each with an example", False),
    ]
    title(draw, "How isekai stories cross between worlds", subtitle)
    world_box(draw, 60, "Our world", "the ordinary, present-day world", SKY)
    world_box(
        draw,
        1040,
        "Another world",
        "often a fantasy world with game-like levels and skills",
        ORANGE,
    )
    for i, route in enumerate(ISEKAI_ROUTES):
        isekai_route(draw, route, y=230 + i * 145)
    note = "Dashed: usually grouped with isekai, though some fans treat it separately."
    write(draw, (60, 830), note, 22, fill=MUTED, anchor="ls")
    return to_png(img)


def world_box(draw, left: int, name: str, gloss: str, colour) -> None:
    right = left + 300
    draw.rounded_rectangle([left, 170, right, 780], 18, fill=tint(colour), outline=colour, width=4)
    write(draw, ((left + right) // 2, 420), name, 32, "bold", anchor="ms")
    y = 450
    for line in wrap(gloss, font(24), 250):
        write(draw, ((left + right) // 2, y), line, 24, anchor="mt")
        y += 32


def isekai_route(draw, route, y: int) -> None:
    subtype, premise, example, colour, dashed, reverse = route
    x_left, x_right = 375, 1025
    centre = (x_left + x_right) // 2
    write(draw, (centre, y), subtype, 27, "bold", anchor="ms")
    write(draw, (centre, y + 8), premise, 24, anchor="mt")
    start, end = (x_right, x_left) if reverse else (x_left, x_right)
    arrow(draw, start, end, y + 58, colour, dashed=dashed)
    write(draw, (centre, y + 76), example, 22, "italic", fill=MUTED, anchor="mt")


# --- The catalogue --------------------------------------------------------------------------

DEMO_IMAGES: tuple[DemoImage, ...] = (
    DemoImage(
        name="fandom-words-timeline.png",
        alt=(
            "Timeline from 1980 to 2020 showing when seven fandom words came into use: "
            "otaku in 1983, moe in the 1990s, shipping in the mid-1990s, tsundere in the "
            "early 2000s, waifu in the 2000s, yandere in the mid-2000s, and isekai as a genre "
            "wave in the 2010s."
        ),
        description=(
            "Timeline of when some words of otaku and fan culture came into use, using only the "
            "dates stated in Kotoba's articles; bars mark approximate periods such as "
            "“mid-2000s”. Original drawing for Kotoba, licensed CC BY-SA 4.0."
        ),
        article="Otaku",
        caption="When some words of fan culture came into use, as dated in Kotoba's articles.",
        draw=draw_timeline,
    ),
    DemoImage(
        name="dere-types.png",
        alt=(
            "Diagram of the -dere types. Tsundere: cold on the surface, affectionate "
            "underneath. Yandere: sweet on the surface, obsessive underneath. Below, two "
            "informal labels: kuudere, cool and impassive, and dandere, quiet and shy."
        ),
        description=(
            "Comparison of the tsundere and yandere archetypes, with the informal kuudere and "
            "dandere labels built on the same pattern. Original drawing for Kotoba, licensed "
            "CC BY-SA 4.0."
        ),
        article="Tsundere vs. yandere",
        caption=(
            "Tsundere and yandere run in opposite directions; "
            "kuudere and dandere are looser labels."
        ),
        draw=draw_dere_types,
    ),
    DemoImage(
        name="isekai-subtypes.png",
        alt=(
            "Diagram of our world and another world joined by four arrows, one per isekai "
            "subtype: transfer (Re:Zero), reincarnation (That Time I Got Reincarnated as a "
            "Slime), trapped in a game, dashed (Sword Art Online), and reverse isekai, pointing "
            "back to our world (The Devil Is a Part-Timer!)."
        ),
        description=(
            "The four isekai subtypes as routes between the ordinary world and another world, "
            "each with an example named in the article. Original drawing for Kotoba, licensed "
            "CC BY-SA 4.0."
        ),
        article="Isekai",
        caption="The four isekai subtypes, each a different route between two worlds.",
        draw=draw_isekai_routes,
    ),
)
