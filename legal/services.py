"""The contact form's one service: hand the message to the office by e-mail, or drop a robot's."""

from __future__ import annotations

import logging

from core.tasks import enqueue
from legal import tasks

logger = logging.getLogger(__name__)


def contact_message_send(
    *,
    name: str,
    email: str,
    organisation: str,
    subject: str,
    message: str,
    language: str,
    honeypot: str,
) -> bool:
    """Queue the e-mail to the office (reply-to the sender); return whether it was queued.

    A filled honeypot means a robot: nothing is sent, and the log line says so without any of
    the message's personal data. The caller answers the same either way, so that the robot
    learns nothing. Nothing is stored: the message lives in the office's mailbox only.
    """
    if honeypot:
        logger.info("contact form: honeypot filled, message dropped as spam")
        return False
    enqueue(tasks.send_contact_message, name, email, organisation, subject, message, language)
    return True
