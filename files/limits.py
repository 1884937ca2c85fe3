"""What an upload may be (kept apart from files.images, which imports Pillow: forms and pages
read these without loading it)."""

ACCEPTED = ("JPEG", "PNG", "WEBP", "GIF")  # Pillow format names
ACCEPTED_TEXT = "JPEG, PNG, WebP or GIF"  # for messages
MAX_BYTES = 10 * 1024 * 1024  # upload size limit (bytes)
MAX_PIXELS = 40_000_000  # width*height limit (decompression bombs)
MAX_SIDE = 8000  # longest side limit, pixels
THUMB_WIDTHS = (320, 640, 1280)  # WebP thumbnails made when narrower than the image
# Larger pictures are stored scaled down to this longest side: an illustration needs no more,
# and re-encoding (WebP above all) costs in proportion to the pixels kept.
MAX_STORED_SIDE = 4096
