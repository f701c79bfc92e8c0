"""Uploaded pictures: judged by their content (Pillow opens them; the name and the browser's type
are not trusted), capped in bytes and in pixels, then re-encoded by Pillow into a fresh file that
carries no metadata at all (EXIF, GPS position, camera, XMP, ICC comments).

A re-encoded file holds only what Pillow writes: the pixels, turned upright first (EXIF
orientation applied), and nothing of the original's metadata, since no ``exif=`` is passed to
``save``. The formats are WebP (modern, small) for what is served; the original upload is never
kept.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files import File
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

# Error codes of the uploads (tests import them).
NOT_AN_IMAGE = "not_an_image"
IMAGE_TOO_LARGE = "image_too_large"
IMAGE_TOO_MANY_PIXELS = "image_too_many_pixels"

# What a browser or a phone sends; anything else Pillow can read (TIFF, BMP, PSD...) is refused.
ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
# 40 megapixels: any phone's photo, and far below what a decompression bomb would unpack.
MAX_PIXELS = 40_000_000
WEBP_QUALITY = 80


@dataclass(frozen=True)
class Picture:
    """A re-encoded image: its bytes, size in pixels and media type."""

    content: bytes
    width: int
    height: int
    content_type: str = "image/webp"


def open_image(upload: File, *, max_bytes: int) -> Image.Image:
    """The upload as a Pillow image, fully decoded and upright; ``ValidationError`` otherwise."""
    if upload.size is not None and upload.size > max_bytes:
        raise ValidationError(
            _("The picture is larger than %(mb)d MB."),
            code=IMAGE_TOO_LARGE,
            params={"mb": max(1, max_bytes // (1024 * 1024))},
        )
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            # Pillow warns (and above twice the limit raises) on decompression bombs.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(upload)
            if opened.format not in ACCEPTED_FORMATS:
                raise ValidationError(
                    _("The file is not a JPEG, PNG or WebP picture."), code=NOT_AN_IMAGE
                )
            if opened.width * opened.height > MAX_PIXELS:
                raise ValidationError(
                    _("The picture has too many pixels."), code=IMAGE_TOO_MANY_PIXELS
                )
            opened.load()  # decodes every byte now: a truncated file fails here, not later
            image = ImageOps.exif_transpose(opened)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValidationError(
            _("The picture has too many pixels."), code=IMAGE_TOO_MANY_PIXELS
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError(
            _("The file is not a JPEG, PNG or WebP picture."), code=NOT_AN_IMAGE
        ) from exc
    finally:
        upload.seek(0)
    return image


def reencode(image: Image.Image, *, max_side: int) -> Picture:
    """The image scaled down to fit ``max_side`` (never up), as WebP with no metadata."""
    copy = image.convert("RGBA" if _has_alpha(image) else "RGB")
    copy.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    copy.save(out, format="WEBP", quality=WEBP_QUALITY, method=4)
    return Picture(content=out.getvalue(), width=copy.width, height=copy.height)


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
