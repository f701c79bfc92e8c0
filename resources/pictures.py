"""Pictures of sites and itineraries: judged by their content, re-encoded to WebP without
metadata in a few widths once, at upload, and stored through Django's storage API."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from PIL import Image

from core.errors import InvalidInput
from resources import images
from resources.models import Picture

# The widths served (``srcset``); an original narrower than one is not scaled up to it.
WIDTHS = (480, 960, 1600)


def _to_width(image: Image.Image, width: int) -> Image.Image:
    """The image at ``width`` pixels wide (its height in proportion), never wider than it is."""
    if image.width <= width:
        return image
    height = max(1, round(image.height * width / image.width))
    return image.resize((width, height), Image.Resampling.LANCZOS)


def picture_variants(upload: File) -> list[dict[str, object]]:
    """Store the upload's widths in the storage; their descriptions, narrowest first.
    Raises ``InvalidInput`` on the ``image`` field for a file that is not a usable picture."""
    try:
        image = images.open_image(upload, max_bytes=settings.PICTURE_MAX_BYTES)
    except ValidationError as exc:
        raise InvalidInput(str(exc.code), exc.messages[0], field="image") from exc
    stem = f"pictures/{secrets.token_hex(10)}"
    variants: list[dict[str, object]] = []
    for width in WIDTHS:
        if variants and width > image.width:
            break  # never scaled up; the narrowest is always made
        scaled = _to_width(image, width)
        picture = images.reencode(scaled, max_side=max(scaled.size))
        name = default_storage.save(f"{stem}-{picture.width}.webp", ContentFile(picture.content))
        variants.append({"width": picture.width, "height": picture.height, "name": name})
    return variants


@transaction.atomic
def picture_store(*, picture: Picture, upload: File) -> Picture:
    """Save ``picture`` with the widths of ``upload`` (generated once, here)."""
    variants = picture_variants(upload)
    old = list(picture.variants or [])
    picture.variants = variants
    picture.width = int(str(variants[-1]["width"]))
    picture.height = int(str(variants[-1]["height"]))
    picture.full_clean(exclude=["variants"])
    picture.save()
    names = [str(variant["name"]) for variant in old]
    if names:  # a new file replaced the old one: its widths go once this is committed
        transaction.on_commit(lambda: _delete(names))
    return picture


def _delete(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)
