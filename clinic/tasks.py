"""Thin Celery wrappers for staff account e-mail (invitations, password resets).

The e-mail is rendered in the request (it needs the request's host for its link); the
worker only hands it to the mail server, so the page answers as fast whether or not a
message goes out (a password reset must not reveal which addresses have an account).
"""

from __future__ import annotations

from smtplib import SMTPException

from celery import shared_task
from django.core.mail import EmailMessage


@shared_task(
    name="clinic.tasks.send_account_email",
    ignore_result=True,
    autoretry_for=(SMTPException, OSError),
    retry_backoff=30,
    max_retries=5,
)
def send_account_email(
    *,
    to: str,
    subject: str,
    body: str,
    from_email: str | None = None,
    reply_to: list[str] | None = None,
) -> None:
    """Send one staff account e-mail (routed to the ``email`` queue).

    ``from_email`` and ``reply_to`` come from ``clinic.sender.sender_for`` (None: the
    configured ``DEFAULT_FROM_EMAIL``, for tasks queued before they were passed).
    """
    EmailMessage(subject, body, from_email, [to], reply_to=reply_to or None).send()
