"""Residents' contributions to the map: proposed on a public form, confirmed by e-mail, moderated
by staff, published at a rounded location, withdrawn on request (docs/map.md).

Status changes happen here only, each in one transaction on the locked row:

    unconfirmed --author clicks the e-mailed link--> confirmed
    confirmed   --staff approve--> approved    (on the map)
    confirmed   --staff reject (reason)--> rejected
    any but withdrawn --author's withdrawal link--> withdrawn (personal data and photo erased)

A resident's request can only create an ``unconfirmed`` contribution: nothing they send sets a
status, and the database refuses ``approved`` without a confirmation and a moderation date.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from core.emails import render_plain_text
from core.errors import Conflict, InvalidInput
from core.tasks import enqueue
from core.tokens import hash_token, new_token
from resources import images
from resources.models import Contribution, ContributionStatus

logger = logging.getLogger(__name__)

# The grid locations are rounded to (about 220 m north-south by 210 m east-west at the basin's
# latitude, 50.4° N). A cell of a mining town's housing estate holds dozens of homes, so the
# published point names a neighbourhood, never a house; the map at the zoom of a town is still
# right about where the installation is.
GRID_LATITUDE = Decimal("0.002")
GRID_LONGITUDE = Decimal("0.003")

# Error codes (tests import them).
OUTSIDE_BASIN = "outside_basin"
LINK_INVALID = "contribution_link_invalid"
NOT_MODERATABLE = "contribution_not_moderatable"
REASON_REQUIRED = "reason_required"
PHOTO_ALT_REQUIRED = "photo_alt_required"


def round_to_grid(value: Decimal, step: Decimal) -> Decimal:
    """The centre line of the grid cell ``value`` falls in: the nearest multiple of ``step``."""
    return ((value / step).quantize(Decimal(1), rounding=ROUND_HALF_UP) * step).quantize(
        Decimal("0.00001")
    )


def basin_bounds() -> tuple[Decimal, Decimal, Decimal, Decimal]:
    """(south, west, north, east) of the area contributions may be placed in."""
    south, west, north, east = (Decimal(str(v)) for v in settings.CONTRIBUTION_AREA)
    return south, west, north, east


@dataclass(frozen=True)
class ContributionInput:
    category: str
    description: str
    latitude: Decimal
    longitude: Decimal
    name: str
    email: str
    language: str
    power_kw: Decimal | None = None
    surface_m2: Decimal | None = None
    year: int | None = None
    photo: File | None = None
    photo_alt: str = ""


def _check_location(latitude: Decimal, longitude: Decimal) -> None:
    south, west, north, east = basin_bounds()
    message = _("This place is outside the mining basin the map covers.")
    if not south <= latitude <= north:
        raise InvalidInput(OUTSIDE_BASIN, message, field="latitude")
    if not west <= longitude <= east:
        raise InvalidInput(OUTSIDE_BASIN, message, field="longitude")


def _photo(data: ContributionInput) -> images.Picture | None:
    if data.photo is None:
        return None
    if not data.photo_alt.strip():
        raise InvalidInput(
            PHOTO_ALT_REQUIRED,
            _("Describe the photo in a few words for people who cannot see it."),
            field="photo_alt",
        )
    try:
        image = images.open_image(data.photo, max_bytes=settings.CONTRIBUTION_PHOTO_MAX_BYTES)
    except ValidationError as exc:
        raise InvalidInput(str(exc.code), exc.messages[0], field="photo") from exc
    return images.reencode(image, max_side=settings.CONTRIBUTION_PHOTO_MAX_SIDE)


def contribution_submit(*, data: ContributionInput, honeypot: str = "") -> Contribution | None:
    """Record a resident's proposal, unconfirmed, and queue the e-mail that confirms it.

    The location is rounded before it is stored; the photo is re-encoded (no metadata) before it
    is stored. A filled honeypot means a robot: nothing is stored or sent, and the caller answers
    the same as for a person. Raises ``InvalidInput`` (outside the basin, a photo that is not a
    picture, too large, without its description)."""
    if honeypot:
        logger.info("contribution form: honeypot filled, proposal dropped as spam")
        return None
    _check_location(data.latitude, data.longitude)
    picture = _photo(data)
    contribution = Contribution(
        category=data.category,
        description=data.description.strip(),
        power_kw=data.power_kw,
        surface_m2=data.surface_m2,
        year=data.year,
        latitude=round_to_grid(data.latitude, GRID_LATITUDE),
        longitude=round_to_grid(data.longitude, GRID_LONGITUDE),
        name=data.name.strip(),
        email=data.email.strip(),
        language=data.language if data.language in ("fr", "en") else "fr",
        photo_alt=data.photo_alt.strip() if picture else "",
    )
    if picture:
        contribution.photo.save("photo.webp", ContentFile(picture.content), save=False)
        contribution.photo_width, contribution.photo_height = picture.width, picture.height
    contribution.save()
    from resources import tasks

    transaction.on_commit(lambda: enqueue(tasks.send_contribution_confirmation, contribution.pk))
    return contribution


def confirmation_email(*, contribution_id: int) -> EmailMessage | None:
    """The e-mail with the confirmation and withdrawal links, both issued here (the task writes
    it), so no secret travels through the queue; only their SHA-256 hashes are stored."""
    confirm, confirm_hash = new_token()
    withdraw, withdraw_hash = new_token()
    updated = Contribution.objects.filter(
        pk=contribution_id, status=ContributionStatus.UNCONFIRMED
    ).update(confirm_token_hash=confirm_hash, withdraw_token_hash=withdraw_hash)
    if not updated:
        return None
    contribution = Contribution.objects.get(pk=contribution_id)
    lang = contribution.language
    # The pages' addresses, as frontend/contribute.py serves them.
    pages = f"{settings.SITE_URL}{'/en' if lang == 'en' else ''}/map/contribute"
    with translation.override(lang):
        text = render_plain_text(
            f"resources/email/contribution_confirm_{lang}.txt",
            {
                "contribution": contribution,
                "category": contribution.get_category_display(),
                "confirm_url": f"{pages}/confirm/?token={confirm}",
                "withdraw_url": f"{pages}/withdraw/?token={withdraw}",
                "days": settings.CONTRIBUTION_CONFIRM_DAYS,
            },
        ).strip()
    subject, _sep, body = text.partition("\n")
    return EmailMessage(subject=subject.strip(), body=body.strip() + "\n", to=[contribution.email])


def _invalid_link() -> InvalidInput:
    return InvalidInput(
        LINK_INVALID,
        _("This link cannot be used: it is incomplete, has expired, or was already used."),
        field="token",
    )


def _by_token(field: str, token: str) -> Contribution:
    if not token or len(token) > 200:
        raise _invalid_link()
    contribution = (
        Contribution.objects.select_for_update().filter(**{field: hash_token(token)}).first()
    )
    if contribution is None:
        raise _invalid_link()
    return contribution


@transaction.atomic
def contribution_confirm(*, token: str) -> Contribution:
    """The author confirms their address: unconfirmed -> confirmed (idempotent). Locks the row.
    Raises ``InvalidInput`` for an unknown token, or one older than CONTRIBUTION_CONFIRM_DAYS."""
    contribution = _by_token("confirm_token_hash", token)
    if contribution.status != ContributionStatus.UNCONFIRMED:
        if contribution.status == ContributionStatus.WITHDRAWN:
            raise _invalid_link()
        return contribution
    limit = contribution.created_at + timedelta(days=settings.CONTRIBUTION_CONFIRM_DAYS)
    if timezone.now() > limit:
        raise _invalid_link()
    contribution.status = ContributionStatus.CONFIRMED
    contribution.confirmed_at = timezone.now()
    contribution.save(update_fields=["status", "confirmed_at"])
    return contribution


@transaction.atomic
def contribution_withdraw(*, token: str) -> Contribution:
    """The author withdraws it, whatever its status (idempotent): off the map, the photo
    deleted from the storage once committed, the name and e-mail erased. Locks the row."""
    contribution = _by_token("withdraw_token_hash", token)
    if contribution.status == ContributionStatus.WITHDRAWN:
        return contribution
    photo_name = contribution.photo.name if contribution.photo else ""
    contribution.status = ContributionStatus.WITHDRAWN
    contribution.withdrawn_at = timezone.now()
    contribution.name = ""
    contribution.email = ""
    contribution.photo = ""
    contribution.photo_alt = ""
    contribution.confirm_token_hash = ""
    contribution.save(
        update_fields=[
            "status",
            "withdrawn_at",
            "name",
            "email",
            "photo",
            "photo_alt",
            "confirm_token_hash",
        ]
    )
    if photo_name:
        storage = contribution.photo.storage
        transaction.on_commit(lambda: storage.delete(photo_name))
    return contribution


@transaction.atomic
def contribution_moderate(
    *, contribution_id: int, by: object, approve: bool, reason: str = ""
) -> Contribution:
    """Staff decide: confirmed -> approved, or -> rejected with a reason. Locks the row.

    Re-deciding an already decided contribution (approved <-> rejected) is allowed: staff may
    unpublish an approved one. An unconfirmed or withdrawn one cannot be decided (``Conflict``);
    a rejection without a reason is ``InvalidInput``."""
    contribution = Contribution.objects.select_for_update().get(pk=contribution_id)
    allowed = {
        ContributionStatus.CONFIRMED,
        ContributionStatus.APPROVED,
        ContributionStatus.REJECTED,
    }
    if contribution.status not in allowed:
        raise Conflict(
            NOT_MODERATABLE,
            _("Only a contribution its author has confirmed can be published or rejected."),
            field="status",
        )
    if not approve and not reason.strip():
        raise InvalidInput(
            REASON_REQUIRED, _("Give the reason for the rejection."), field="rejection_reason"
        )
    contribution.status = ContributionStatus.APPROVED if approve else ContributionStatus.REJECTED
    contribution.rejection_reason = "" if approve else reason.strip()
    contribution.moderated_at = timezone.now()
    contribution.moderated_by = by  # type: ignore[assignment]
    contribution.save(update_fields=["status", "rejection_reason", "moderated_at", "moderated_by"])
    return contribution
