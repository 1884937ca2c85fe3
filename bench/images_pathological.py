"""Benchmark: what one upload costs the worker that receives it (files.images.process_upload:
decode, re-encode without metadata, WebP thumbnails), on the largest pictures the limits let
through and on hostile ones, measured (not asserted).

    .venv/bin/python bench/images_pathological.py            # every case, best of 3
    .venv/bin/python bench/images_pathological.py --repeat 1

Uploads run in the request, so a picture at the limits holds a worker for this long; the
upload rate limits (settings.KOTOBA_UPLOAD_RATE_*) bound how often one account can ask for it.
A refused case should cost next to nothing: it is refused from the header, before decoding.
Prints the best CPU time per case and flags one over 5 s ("SLOW") or a refusal over 50 ms.
"""

import argparse
import io
import struct
import sys
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image  # noqa: E402

from files import images  # noqa: E402

SLOW_S = 5.0
SLOW_REFUSAL_S = 0.05


def _noise(width: int, height: int) -> Image.Image:
    """Photo-like content (noise compresses badly: the worst case for the encoders)."""
    return Image.frombytes("RGB", (width, height), _random_bytes(width * height * 3))


def _random_bytes(n: int) -> bytes:
    # Deterministic and fast: a repeated block of pseudo-random bytes, so runs compare.
    block = bytes((i * 2654435761 >> 13) & 0xFF for i in range(65_536))
    return (block * (n // len(block) + 1))[:n]


def _saved(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def _bomb_png(width: int, height: int) -> bytes:
    """A 1x1 PNG whose header claims width x height."""
    data = bytearray(_saved(Image.new("RGB", (1, 1)), "PNG"))
    ihdr = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return bytes(data)


def cases():
    side = int(images.MAX_PIXELS**0.5) - 1  # the biggest square under the pixel limit
    # Smooth content (noise blown up) so that the file stays under the byte limit.
    smooth = _noise(400, 400).resize((side, side), Image.Resampling.BICUBIC)
    yield f"JPEG at the pixel limit ({side} x {side})", _saved(smooth, "JPEG", quality=85)
    yield f"WebP at the pixel limit ({side} x {side})", _saved(smooth, "WEBP", quality=80)
    yield f"PNG at the pixel limit ({side} x {side})", _saved(smooth, "PNG", compress_level=9)
    yield "PNG 4000 x 3000 (noise)", _saved(_noise(4000, 3000), "PNG", compress_level=1)
    yield "WebP 4000 x 3000 (noise)", _saved(_noise(4000, 3000), "WEBP", quality=80)
    frames = [Image.new("RGB", (1000, 1000), (i * 8, 0, 0)) for i in range(30)]
    gif = io.BytesIO()
    frames[0].save(gif, "GIF", save_all=True, append_images=frames[1:])
    yield "GIF, 30 frames of 1000 x 1000", gif.getvalue()
    yield "PNG bomb: header claims 50000 x 50000", _bomb_png(50_000, 50_000)
    yield "PNG with a side over the limit (9000 x 1)", _bomb_png(9_000, 1)
    yield "not a picture (10 MB of text)", b"<svg>" + b"a" * (images.MAX_BYTES - 10)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    print(f"{'case':45} {'bytes':>11} {'CPU s':>8}  result")
    for name, data in cases():
        best, outcome = None, ""
        for _ in range(args.repeat):
            started = time.process_time()
            try:
                result = images.process_upload(io.BytesIO(data))
                outcome = (
                    f"{result.format} {result.width}x{result.height}, {len(result.thumbs)} thumbs"
                )
                refused = False
            except images.ImageRefused as error:
                outcome = f"refused ({error.code})"
                refused = True
            spent = time.process_time() - started
            best = spent if best is None else min(best, spent)
        flag = ""
        if best > SLOW_S or (refused and best > SLOW_REFUSAL_S):
            flag = "  SLOW"
        print(f"{name:45} {len(data):>11,} {best:>8.3f}  {outcome}{flag}")


if __name__ == "__main__":
    main()
