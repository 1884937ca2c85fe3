"""Uploaded images: decide what a file is, refuse what is unsafe, keep only the pixels.

The contract: `process_upload(fileobj)` returns a `ProcessedImage` whose bytes Pillow wrote
from decoded pixels (never the uploaded bytes), or raises `ImageRefused` with a sentence for
the user. The client's file name and content type are never consulted: a file is what Pillow
can decode it as, and only the formats in ACCEPTED are tried.

Why everything is re-encoded: metadata tells more than the picture (EXIF GPS says where a
photo was taken), and a file that is an image and also HTML, script or PHP (a polyglot) stays
dangerous however it is stored. Pixels written afresh carry neither. This is a second line of
defence, not the first: whoever serves these bytes still sends our `content_type` with
`X-Content-Type-Options: nosniff` and never lets a server interpret them.

Why the cost is bounded: the dimensions are checked from the header before any pixel is
decoded, so a small file that claims 50000 x 50000 pixels is refused in a fraction of a
millisecond. After that the work is proportional to at most MAX_PIXELS and done in Pillow's C
code: a full 40-megapixel image takes 2 to 5 seconds of CPU (WebP encoding is the slowest).

Global state: importing this module sets `Image.MAX_IMAGE_PIXELS = MAX_PIXELS` (Pillow's default
is about 89 megapixels). Pillow runs its own bomb check in places we cannot reach from the
outside (a GIF frame that grows the canvas), and it should use our limit there. Every other
Pillow user in the process gets the lower limit too; the only one today, wiki/demo/images.py,
draws small pictures.
"""

import re
import struct
import warnings
import zlib
from dataclasses import dataclass
from hashlib import sha256
from io import BytesIO

from PIL import Image, ImageOps, UnidentifiedImageError

from .limits import (
    ACCEPTED,
    ACCEPTED_TEXT,
    MAX_BYTES,
    MAX_PIXELS,
    MAX_SIDE,
    MAX_STORED_SIDE,
    THUMB_WIDTHS,
)

__all__ = ["ACCEPTED", "ACCEPTED_TEXT", "MAX_BYTES", "MAX_PIXELS", "MAX_SIDE", "MAX_STORED_SIDE"]
__all__ += ["THUMB_WIDTHS"]
__all__ += ["ImageRefused", "ProcessedImage", "Thumb", "process_upload"]

Image.MAX_IMAGE_PIXELS = MAX_PIXELS

# Extension and content type of what we write, by the format we write it in.
_OUTPUT = {
    "JPEG": ("jpg", "image/jpeg"),
    "PNG": ("png", "image/png"),
    "WEBP": ("webp", "image/webp"),
    "GIF": ("gif", "image/gif"),
}

# What Pillow raises on a file it recognised but cannot decode. The net is wide because each
# plugin lets through whatever its parser trips on; an upload must get a sentence, not a 500.
_DECODE_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    KeyError,
    TypeError,
    struct.error,
    zlib.error,
)

# Re-encoding drops what rode in metadata or after the image. Markup can survive only in bytes
# that are copied from the upload as they are (a palette, PNG transparency) or in pixel data
# crafted to survive compression; the last look below refuses those few files instead of
# storing them. Compressed bytes look random, so a legitimate image matches by chance about
# once in 45 GB of output.
_MARKUP = re.compile(rb"<script|<html|<\?php", re.IGNORECASE)


class ImageRefused(ValueError):
    """Why an upload is refused; str(error) is a clear sentence for the user.

    `code` names the reason in a word, ready to be a form's ValidationError code."""

    def __init__(self, message: str, code: str = "invalid"):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Thumb:
    width: int
    height: int
    data: bytes  # WebP bytes


@dataclass(frozen=True)
class ProcessedImage:
    data: bytes  # the re-encoded image
    format: str  # "JPEG" | "PNG" | "WEBP" | "GIF"
    extension: str  # "jpg" | "png" | "webp" | "gif"
    content_type: str  # "image/jpeg" ...
    width: int
    height: int
    sha256: str  # hex digest of `data`
    thumbs: tuple[Thumb, ...]  # ascending width; only widths < the image's width


def process_upload(fileobj, *, max_bytes: int = MAX_BYTES) -> ProcessedImage:
    """Read an upload from where `fileobj` stands, and return it re-encoded from its first
    frame, turned upright, with no metadata, plus its thumbnails. Raises ImageRefused."""
    data = fileobj.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ImageRefused(
            f"The file is larger than {_size_text(max_bytes)}. Please upload a smaller image.",
            code="too_large",
        )
    if not data:
        raise ImageRefused("The file is empty.", code="empty")
    image, image_format = _decode(data)
    encoded = _ENCODERS[image_format](image)
    thumbs = _thumbnails(image)
    if any(_MARKUP.search(blob) for blob in (encoded, *(thumb.data for thumb in thumbs))):
        raise ImageRefused(
            "This image contains bytes that look like a web page or a script, so it cannot be "
            "stored. Please save it again in an image editor and upload the new file.",
            code="unsafe",
        )
    extension, content_type = _OUTPUT[image_format]
    return ProcessedImage(
        data=encoded,
        format=image_format,
        extension=extension,
        content_type=content_type,
        width=image.width,
        height=image.height,
        sha256=sha256(encoded).hexdigest(),
        thumbs=thumbs,
    )


def _decode(data: bytes) -> tuple[Image.Image, str]:
    """The upright first frame and its format. The header's dimensions are judged before a
    single pixel is decoded: that order is what keeps a decompression bomb cheap.

    Pillow only warns about an image between MAX_IMAGE_PIXELS and twice that; the warning is
    made an error here. `catch_warnings` is process-wide in Python 3.13, so a thread that races
    another may miss the filter; `_check_dimensions` does not depend on it."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(BytesIO(data), formats=ACCEPTED)
        except UnidentifiedImageError:
            raise ImageRefused(
                f"This file is not a {ACCEPTED_TEXT} image. "
                "SVG, PDF and other files cannot be uploaded.",
                code="not_an_image",
            ) from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels() from None
        except _DECODE_ERRORS:
            raise _damaged() from None
        _check_dimensions(*image.size)
        # A JPEG with a second picture inside (many phone cameras) opens as "MPO".
        image_format = "JPEG" if image.format == "MPO" else image.format
        try:
            image.seek(0)
            if image_format == "JPEG" and max(image.size) > MAX_STORED_SIDE:
                # Decode at a fraction of the size straight from the DCT (a quarter of the
                # work at half the size), never below what is stored.
                scale = MAX_STORED_SIDE / max(image.size)
                image.draft(image.mode, (round(image.width * scale), round(image.height * scale)))
            image.load()
            upright = _within_stored_size(ImageOps.exif_transpose(image))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_many_pixels() from None
        except _DECODE_ERRORS:
            raise _damaged() from None
    return upright, image_format


def _within_stored_size(image: Image.Image) -> Image.Image:
    """The picture itself, or scaled down to MAX_STORED_SIDE on its longest side."""
    if max(image.size) <= MAX_STORED_SIDE:
        return image
    info = image.info  # transparency of a palette picture must survive the resize
    smaller = image.copy()
    smaller.thumbnail(
        (MAX_STORED_SIDE, MAX_STORED_SIDE), Image.Resampling.LANCZOS, reducing_gap=3.0
    )
    smaller.info = info
    return smaller


def _check_dimensions(width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise _too_many_pixels()
    if max(width, height) > MAX_SIDE:
        raise ImageRefused(
            f"This image is {width} × {height} pixels; neither side may be longer than "
            f"{MAX_SIDE} pixels.",
            code="too_long",
        )


def _too_many_pixels() -> ImageRefused:
    return ImageRefused(
        f"This image has more than {MAX_PIXELS / 1_000_000:g} megapixels. "
        "Please make it smaller and upload it again.",
        code="too_many_pixels",
    )


def _damaged() -> ImageRefused:
    return ImageRefused(
        "The image is damaged or incomplete, so it cannot be read. "
        "Please save it again and upload the new file.",
        code="damaged",
    )


def _size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{round(size / (1024 * 1024), 1):g} MB"
    if size >= 1024:
        return f"{round(size / 1024, 1):g} KB"
    return f"{size} bytes"


# --- writing pixels -------------------------------------------------------------------------


def _save(image: Image.Image, image_format: str, **options) -> bytes:
    """Write `image` with only the options given here. Pillow's savers also read metadata
    from `image.info` (a JPEG or GIF comment, an ICC profile, PNG transparency), so they see
    an empty one while they write; whatever the output carries is passed explicitly. (The
    info is swapped rather than the image copied: a copy can be 160 MB.)"""
    kept, image.info = image.info, {}
    try:
        out = BytesIO()
        image.save(out, image_format, **options)
    finally:
        image.info = kept
    return out.getvalue()


def _encode_jpeg(image: Image.Image) -> bytes:
    # CMYK (print files) and anything else JPEG decodes to becomes RGB; greyscale stays L.
    if image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    return _save(image, "JPEG", quality=85, optimize=True)


def _encode_png(image: Image.Image) -> bytes:
    # PNG can write every mode PNG decodes to (1, L, LA, I;16, P, RGB, RGBA). Transparency of
    # a palette or a colour key lives in `info`; it is part of the picture, so it is kept.
    options = {"optimize": True}
    if "transparency" in image.info:
        options["transparency"] = image.info["transparency"]
    return _save(image, "PNG", **options)


def _encode_webp(image: Image.Image) -> bytes:
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGBA" if image.has_transparency_data else "RGB")
    # method=2: half the time of Pillow's default (4) for a few per cent more bytes.
    return _save(image, "WEBP", quality=85, method=2)


def _encode_gif(image: Image.Image) -> bytes:
    # One frame: without "duration" and "loop" in the options Pillow writes a still GIF.
    options = {}
    if image.mode in ("P", "L") and "transparency" in image.info:
        options["transparency"] = image.info["transparency"]
    return _save(image, "GIF", **options)


_ENCODERS = {
    "JPEG": _encode_jpeg,
    "PNG": _encode_png,
    "WEBP": _encode_webp,
    "GIF": _encode_gif,
}


def _thumbnails(image: Image.Image) -> tuple[Thumb, ...]:
    """A WebP for each width in THUMB_WIDTHS narrower than the image, so that a page can
    offer a `srcset` and never send a phone the full picture.

    The widest is made from the image and each narrower one from the one before: resizing a
    40-megapixel image costs about a second, resizing a thumbnail by half almost nothing."""
    widths = sorted((width for width in THUMB_WIDTHS if width < image.width), reverse=True)
    source = _eight_bit_colour(image) if widths else image
    thumbs = []
    for width in widths:
        height = max(1, round(image.height * width / image.width))
        source = source.resize((width, height), Image.Resampling.LANCZOS)
        thumbs.append(
            Thumb(width=width, height=height, data=_save(source, "WEBP", quality=80, method=2))
        )
    return tuple(reversed(thumbs))


def _eight_bit_colour(image: Image.Image) -> Image.Image:
    """RGB or RGBA, which WebP can hold and LANCZOS can resize (a palette cannot be)."""
    if image.mode.startswith("I"):
        # 16-bit greyscale PNG: Pillow's convert() clips values above 255 to white, so scale.
        image = image.convert("I").point(lambda value: value / 256).convert("L")
    if image.mode in ("RGB", "RGBA"):
        return image
    return image.convert("RGBA" if image.has_transparency_data else "RGB")
