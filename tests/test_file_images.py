"""What an uploaded image becomes (files/images.py): every accepted file comes back re-encoded
from its pixels in its own format, upright, with no metadata and no trailing bytes, with WebP
thumbnails for each width it is wider than; anything else is refused with a sentence that says
what is accepted. Every image here is drawn with Pillow; no database is needed."""

import hashlib
import re
import struct
import time
import zlib
from datetime import timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageCms
from PIL.PngImagePlugin import PngInfo

from files.images import MAX_SIDE, MAX_STORED_SIDE, ImageRefused, ProcessedImage, process_upload

CI = settings(
    max_examples=150,
    deadline=timedelta(seconds=2),
    suppress_health_check=[HealthCheck.too_slow],
)

FORMATS = [
    ("JPEG", "jpg", "image/jpeg"),
    ("PNG", "png", "image/png"),
    ("WEBP", "webp", "image/webp"),
    ("GIF", "gif", "image/gif"),
]
MARKUP = re.compile(rb"<script|<html|<\?php", re.IGNORECASE)
SECRET = "Secret Street 12, Kyoto"


def encode(image: Image.Image, image_format: str, **options) -> bytes:
    out = BytesIO()
    image.save(out, image_format, **options)
    return out.getvalue()


def picture(size=(700, 350), mode="RGB") -> Image.Image:
    """Left half red, right half blue: enough to see which way an image was turned."""
    image = Image.new("RGB", size, "red")
    image.paste("blue", (size[0] // 2, 0, size[0], size[1]))
    return image.convert(mode)


def upload(data: bytes, **options) -> ProcessedImage:
    return process_upload(BytesIO(data), **options)


def refusal(data: bytes, **options) -> ImageRefused:
    with pytest.raises(ImageRefused) as caught:
        upload(data, **options)
    return caught.value


def refusal_of_file(fileobj) -> ImageRefused:
    with pytest.raises(ImageRefused) as caught:
        process_upload(fileobj)
    return caught.value


def reopen(data: bytes) -> Image.Image:
    image = Image.open(BytesIO(data))
    image.load()
    return image


def assert_clean(result: ProcessedImage, image_format: str, size: tuple[int, int]) -> None:
    """A clean result is one image of the right kind and size, and nothing else."""
    assert not MARKUP.search(result.data)
    image = reopen(result.data)
    assert (image.format, image.size) == (image_format, size)
    trailer = {"JPEG": b"\xff\xd9", "GIF": b";", "PNG": b"IEND\xaeB`\x82"}[image_format]
    assert result.data.endswith(trailer)


def png_claiming(width: int, height: int) -> bytes:
    """A real 1×1 PNG whose IHDR claims another size, with a CRC that matches the lie."""
    data = encode(Image.new("L", (1, 1)), "PNG")
    ihdr = b"IHDR" + struct.pack(">II", width, height) + data[24:29]
    return data[:12] + ihdr + struct.pack(">I", zlib.crc32(ihdr)) + data[33:]


def gif_screen_claiming(width: int, height: int) -> bytes:
    """A real 1×1 GIF whose logical screen claims another size."""
    data = encode(Image.new("L", (1, 1)), "GIF")
    return data[:6] + struct.pack("<HH", width, height) + data[10:]


def gif_frame_claiming(width: int, height: int) -> bytes:
    """A real 1×1 GIF whose first frame claims to be bigger than the screen (Pillow then grows
    the canvas to fit the frame)."""
    data = encode(Image.new("L", (1, 1)), "GIF")
    descriptor = b",\x00\x00\x00\x00\x01\x00\x01\x00"  # at (0, 0), 1×1
    assert descriptor in data
    return data.replace(descriptor, b",\x00\x00\x00\x00" + struct.pack("<HH", width, height))


# --- every accepted format comes back as itself ----------------------------------------------


@pytest.mark.parametrize(("image_format", "extension", "content_type"), FORMATS)
def test_each_accepted_format_comes_back_in_its_own_format(image_format, extension, content_type):
    result = upload(encode(picture((700, 350)), image_format))

    assert (result.format, result.extension, result.content_type) == (
        image_format,
        extension,
        content_type,
    )
    assert (result.width, result.height) == (700, 350)
    assert result.sha256 == hashlib.sha256(result.data).hexdigest()
    image = reopen(result.data)
    assert (image.format, image.size) == (image_format, (700, 350))


@pytest.mark.parametrize("image_format", [image_format for image_format, _, _ in FORMATS])
def test_thumbnails_are_webp_for_each_width_below_the_image_width(image_format):
    result = upload(encode(picture((700, 350)), image_format))

    assert [(thumb.width, thumb.height) for thumb in result.thumbs] == [(320, 160), (640, 320)]
    for thumb in result.thumbs:
        image = reopen(thumb.data)
        assert (image.format, image.size) == ("WEBP", (thumb.width, thumb.height))


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ((320, 200), []),  # as wide as the smallest thumbnail: none is made
        ((321, 200), [(320, 199)]),  # 199.38 rounds to 199
        ((2000, 1), [(320, 1), (640, 1), (1280, 1)]),  # never less than one pixel high
        ((3000, 2000), [(320, 213), (640, 427), (1280, 853)]),
        ((1, 1), []),
    ],
)
def test_thumbnails_keep_the_aspect_ratio(size, expected):
    result = upload(encode(picture(size), "PNG"))

    assert [(thumb.width, thumb.height) for thumb in result.thumbs] == expected


def test_a_thumbnail_shows_the_same_picture():
    result = upload(encode(picture((700, 350)), "PNG"))

    thumb = reopen(result.thumbs[0].data).convert("RGB")
    red, _, blue = thumb.getpixel((10, 80))
    assert red > 200 and blue < 50
    red, _, blue = thumb.getpixel((310, 80))
    assert red < 50 and blue > 200


# --- metadata is dropped ---------------------------------------------------------------------


def test_a_photo_is_turned_upright_and_loses_its_exif_and_gps():
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: the camera was held turned; rotate 90° clockwise to view
    exif[0x010E] = SECRET  # image description
    exif[0x8825] = {1: "N", 2: (35.0, 0.0, 42.0), 3: "E", 4: (135.0, 46.0, 6.0)}  # GPS IFD
    data = encode(picture((60, 40)), "JPEG", exif=exif)
    assert Image.open(BytesIO(data)).getexif().get_ifd(0x8825)

    result = upload(data)

    assert (result.width, result.height) == (40, 60)
    image = reopen(result.data)
    assert image.size == (40, 60)
    assert not image.getexif()
    assert b"Exif" not in result.data
    assert SECRET.encode() not in result.data
    # The left of the sensor (red) is now the top, the right (blue) the bottom.
    red, _, blue = image.convert("RGB").getpixel((20, 5))
    assert red > 200 and blue < 50
    red, _, blue = image.convert("RGB").getpixel((20, 55))
    assert red < 50 and blue > 200


def icc_profile() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def exif_with_secret() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010E] = SECRET
    exif[0x8825] = {1: "N", 2: (35.0, 0.0, 42.0)}
    return exif


def png_text() -> PngInfo:
    info = PngInfo()
    info.add_text("Comment", SECRET)
    info.add_itxt("Author", SECRET)
    return info


METADATA = {
    "JPEG": {"exif": exif_with_secret(), "icc_profile": icc_profile(), "comment": SECRET},
    "PNG": {"exif": exif_with_secret(), "icc_profile": icc_profile(), "pnginfo": png_text()},
    "WEBP": {"exif": exif_with_secret(), "icc_profile": icc_profile(), "xmp": SECRET.encode()},
    "GIF": {"comment": SECRET},
}


@pytest.mark.parametrize("image_format", METADATA)
def test_every_format_loses_its_metadata(image_format):
    data = encode(picture((50, 30)), image_format, **METADATA[image_format])
    assert SECRET.encode() in data

    result = upload(data)

    assert SECRET.encode() not in result.data
    image = reopen(result.data)
    assert not image.getexif()
    assert not {"exif", "icc_profile", "comment", "xmp", "Comment", "Author"} & set(image.info)


# --- polyglots come back as plain images ------------------------------------------------------


def test_a_png_with_a_script_in_a_text_chunk_comes_back_clean():
    info = PngInfo()
    info.add_text("Comment", "<script>alert(1)</script>")
    data = encode(picture((50, 30)), "PNG", pnginfo=info)
    assert b"<script>" in data

    assert_clean(upload(data), "PNG", (50, 30))


@pytest.mark.parametrize("where", ["comment", "appended"])
def test_a_gif_that_is_also_html_comes_back_clean(where):
    html = b"<html><body><script>alert(document.domain)</script></body></html>"
    if where == "comment":
        data = encode(picture((50, 30)), "GIF", comment=html)
    else:
        data = encode(picture((50, 30)), "GIF") + html

    assert_clean(upload(data), "GIF", (50, 30))


def test_a_jpeg_with_php_after_its_end_comes_back_clean():
    data = encode(picture((50, 30)), "JPEG") + b'<?php system($_GET["c"]); ?>'

    assert_clean(upload(data), "JPEG", (50, 30))


@pytest.mark.parametrize("image_format", ["PNG", "GIF"])
def test_a_palette_that_spells_a_script_is_refused(image_format):
    """A palette is copied into the output as it is, so re-encoding cannot clean it."""
    image = Image.new("P", (9, 3))
    image.putpalette(list(b"<script>alert(1)</script>\0"))
    image.putdata(list(range(9)) * 3)

    error = refusal(encode(image, image_format))

    assert error.code == "unsafe"


# --- the type is decided by decoding, never by name ------------------------------------------

NOT_IMAGES = {
    "svg": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>',
    "html": b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
    "pdf": b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n",
    "text": b"Just some words.\n",
    "bmp": encode(picture((20, 10)), "BMP"),  # an image, but not one we accept
    "tiff": encode(picture((20, 10)), "TIFF"),
    "signature only": b"\x89PNG\r\n\x1a\n",
}


@pytest.mark.parametrize("data", NOT_IMAGES.values(), ids=NOT_IMAGES.keys())
def test_other_files_are_refused_with_a_message_naming_what_is_accepted(data):
    error = refusal(data)

    assert error.code == "not_an_image"
    assert "JPEG, PNG, WebP or GIF" in str(error)


def test_an_empty_file_is_refused():
    error = refusal(b"")

    assert error.code == "empty"
    assert str(error) == "The file is empty."


@pytest.mark.parametrize("image_format", ["PNG", "JPEG", "GIF", "WEBP"])
def test_a_truncated_image_is_refused_as_damaged(image_format):
    data = encode(Image.effect_noise((200, 200), 60).convert("RGB"), image_format)

    error = refusal(data[: len(data) * 2 // 3])

    assert error.code == "damaged"
    assert "damaged or incomplete" in str(error)


def test_the_name_and_content_type_of_the_upload_are_never_consulted():
    html = SimpleUploadedFile("photo.jpg", NOT_IMAGES["html"], content_type="image/jpeg")
    png = SimpleUploadedFile("page.html", encode(picture((20, 10)), "PNG"), "text/html")

    assert refusal_of_file(html).code == "not_an_image"
    assert process_upload(png).content_type == "image/png"


def test_a_refusal_is_a_value_error():
    assert issubclass(ImageRefused, ValueError)


# --- size limits -----------------------------------------------------------------------------


BOMBS = {
    "png 50000×50000": png_claiming(50_000, 50_000),  # far beyond Pillow's own error limit
    "png 7000×6000": png_claiming(7_000, 6_000),  # 42 megapixels: Pillow itself only warns
    "gif screen 65535×65535": gif_screen_claiming(65_535, 65_535),
    "gif frame 60000×60000": gif_frame_claiming(60_000, 60_000),
}


@pytest.mark.parametrize("data", BOMBS.values(), ids=BOMBS.keys())
def test_a_decompression_bomb_is_refused_from_its_header(data):
    started = time.perf_counter()
    error = refusal(data)
    elapsed = time.perf_counter() - started

    assert error.code == "too_many_pixels"
    assert "40 megapixels" in str(error)
    assert elapsed < 1.0  # a guard against decoding, not a benchmark


@pytest.mark.parametrize("size", [(9000, 1), (1, 9000), (MAX_SIDE + 1, 10)])
def test_an_image_with_a_side_too_long_is_refused(size):
    error = refusal(encode(Image.new("L", size), "PNG"))

    assert error.code == "too_long"
    assert "8000 pixels" in str(error)


def test_the_longest_side_allowed_is_accepted_and_stored_scaled_down():
    result = upload(encode(Image.new("L", (MAX_SIDE, 1)), "PNG"))

    assert (result.width, result.height) == (MAX_STORED_SIDE, 1)


@pytest.mark.parametrize("fmt", ["JPEG", "WEBP", "PNG"])
def test_a_big_picture_is_stored_at_the_stored_size_keeping_its_shape(fmt):
    result = upload(encode(picture((6000, 4000)), fmt))

    assert (result.width, result.height) == (MAX_STORED_SIDE, 2731)
    assert Image.open(BytesIO(result.data)).size == (MAX_STORED_SIDE, 2731)
    assert [t.width for t in result.thumbs] == [320, 640, 1280]


def test_a_big_sideways_photo_is_turned_upright_after_scaling():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to view
    result = upload(encode(picture((6000, 4000)), "JPEG", exif=exif.tobytes()))

    assert (result.width, result.height) == (2731, MAX_STORED_SIDE)


def test_a_file_over_the_byte_limit_is_refused():
    data = encode(picture((50, 30)), "PNG")

    error = refusal(data, max_bytes=len(data) - 1)

    assert error.code == "too_large"
    assert str(error).startswith(f"The file is larger than {len(data) - 1} bytes.")
    assert upload(data, max_bytes=len(data)).format == "PNG"


def test_the_default_byte_limit_is_ten_megabytes():
    error = refusal(b"\0" * (10 * 1024 * 1024 + 1))

    assert error.code == "too_large"
    assert str(error).startswith("The file is larger than 10 MB.")


class EndlessStream:
    """A client that never stops sending; remembers how much it was asked for."""

    def __init__(self):
        self.requested = []

    def read(self, size=-1):
        self.requested.append(size)
        return b"\0" * size


def test_no_more_than_the_limit_and_one_byte_is_read():
    stream = EndlessStream()

    with pytest.raises(ImageRefused):
        process_upload(stream, max_bytes=1000)

    assert stream.requested == [1001]


def test_a_jpeg_with_a_second_picture_inside_comes_back_as_one_jpeg():
    """Many phone cameras write MPO: a JPEG followed by more JPEGs. Pillow names it "MPO"."""
    data = encode(picture((50, 30)), "MPO", save_all=True, append_images=[picture((50, 30))])
    assert Image.open(BytesIO(data)).format == "MPO"

    result = upload(data)

    assert (result.format, result.extension, result.content_type) == ("JPEG", "jpg", "image/jpeg")
    assert_clean(result, "JPEG", (50, 30))


# --- animation and unusual modes --------------------------------------------------------------


@pytest.mark.parametrize("image_format", ["GIF", "WEBP", "PNG"])
def test_an_animation_keeps_only_its_first_frame(image_format):
    frames = [Image.new("RGB", (50, 30), colour) for colour in ("red", "lime", "blue")]
    data = encode(
        frames[0], image_format, save_all=True, append_images=frames[1:], duration=100, loop=0
    )
    assert Image.open(BytesIO(data)).n_frames == 3

    result = upload(data)

    image = reopen(result.data)
    assert image.format == image_format
    assert getattr(image, "n_frames", 1) == 1
    red, green, blue = image.convert("RGB").getpixel((25, 15))
    assert red > 240 and green < 15 and blue < 15


@pytest.mark.parametrize(
    ("mode", "image_format"),
    [
        ("P", "PNG"),
        ("LA", "PNG"),
        ("I;16", "PNG"),
        ("1", "PNG"),
        ("L", "PNG"),
        ("RGBA", "PNG"),
        ("CMYK", "JPEG"),
        ("L", "JPEG"),
        ("L", "GIF"),
        ("RGBA", "WEBP"),
    ],
)
def test_unusual_modes_are_written_back(mode, image_format):
    result = upload(encode(picture((400, 200), mode), image_format))

    image = reopen(result.data)
    assert (image.format, image.size) == (image_format, (400, 200))
    assert [thumb.width for thumb in result.thumbs] == [320]


def test_a_sixteen_bit_grey_thumbnail_keeps_its_shade():
    """Pillow's convert() clips 16-bit values to 255, which would make every thumbnail white."""
    grey = Image.new("I;16", (400, 200), 20_000)  # 20000 / 65535 of white: about 78 of 255

    result = upload(encode(grey, "PNG"))

    assert reopen(result.data).getpixel((10, 10)) == 20_000
    shade = reopen(result.thumbs[0].data).convert("L").getpixel((10, 10))
    assert 70 < shade < 86


@pytest.mark.parametrize("image_format", ["PNG", "GIF"])
def test_palette_transparency_is_kept(image_format):
    image = Image.new("P", (40, 20), 0)
    image.putpalette([255, 0, 0, 0, 0, 255])
    image.paste(1, (20, 0, 40, 20))

    result = upload(encode(image, image_format, transparency=1))

    rgba = reopen(result.data).convert("RGBA")
    assert rgba.getpixel((5, 5)) == (255, 0, 0, 255)
    assert rgba.getpixel((30, 5))[3] == 0


def test_alpha_is_kept_in_png_and_in_the_thumbnails():
    image = Image.new("RGBA", (400, 200), (0, 0, 255, 0))
    image.paste((255, 0, 0, 255), (0, 0, 200, 200))

    result = upload(encode(image, "PNG"))

    assert reopen(result.data).getpixel((300, 100))[3] == 0
    thumb = reopen(result.thumbs[0].data).convert("RGBA")
    assert thumb.getpixel((300, 80))[3] == 0
    assert thumb.getpixel((20, 80))[3] == 255


# --- whatever the bytes, an image or a refusal -----------------------------------------------

SMALL_IMAGES = [encode(picture((12, 8)), image_format) for image_format, _, _ in FORMATS]
SIGNATURES = [
    b"\x89PNG\r\n\x1a\n",
    b"GIF89a",
    b"GIF87a",
    b"\xff\xd8\xff",
    b"RIFF\x00\x10\x00\x00WEBPVP8 ",
    b"RIFF\x00\x10\x00\x00WEBPVP8L",
    b"RIFF\x00\x10\x00\x00WEBPVP8X",
]


def image_or_refusal(data: bytes) -> None:
    try:
        result = upload(data)
    except ImageRefused as error:
        assert str(error)
    else:
        assert isinstance(result, ProcessedImage)


@CI
@given(st.binary(max_size=2000))
def test_any_bytes_give_an_image_or_a_refusal(data):
    image_or_refusal(data)


@CI
@given(st.sampled_from(SIGNATURES), st.binary(max_size=2000))
def test_any_bytes_after_a_real_signature_give_an_image_or_a_refusal(signature, tail):
    image_or_refusal(signature + tail)


@CI
@given(st.sampled_from(SMALL_IMAGES), st.data())
def test_a_real_image_with_any_bytes_overwritten_gives_an_image_or_a_refusal(original, data):
    start = data.draw(st.integers(0, len(original)))
    patch = data.draw(st.binary(max_size=64))
    image_or_refusal(original[:start] + patch + original[start + len(patch) :])
