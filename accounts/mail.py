"""All of Kotoba's mail: one task that sends one plain-text message, enqueued after commit.

`send_after_commit(subject=..., body=..., to=[...])` is the only way the site sends mail. It
enqueues `send_message` after commit (`accounts.background.enqueue_after_commit`), so

- a transaction that rolls back sends nothing (a moderation decision undone mails no one), and
- a mail server that is down cannot fail, undo or half-do the request that asked for the mail.

`send_message` runs in the task backend: inline in development and tests (Django's immediate
backend, which records a failure instead of raising it), django-tasks-db's queue run by
`manage.py db_worker` in production. When sending fails and the backend can defer tasks
(`run_after`), the task enqueues itself again after a growing delay, up to MAX_ATTEMPTS; then it
gives up with an error in the log. Every failed attempt is also a FAILED task result.
"""

import logging
from datetime import timedelta

from django.core.mail import EmailMessage
from django.tasks import task
from django.utils import timezone

from .background import enqueue_after_commit

logger = logging.getLogger(__name__)

RETRY_DELAYS = (60, 5 * 60, 30 * 60)  # seconds before the 2nd, 3rd and 4th attempt
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
SMTP_MAX_LINE = 998  # octets, RFC 5322


class TextMessage(EmailMessage):
    """A plain-text message sent as 8bit UTF-8 instead of quoted-printable, so a long link is
    never cut by `=` soft breaks (the console mailer shows the message as sent) and can be
    pasted. A body with a line longer than SMTP allows keeps Django's own encoding."""

    def message(self, **kwargs):
        msg = super().message(**kwargs)
        lines = self.body.encode().splitlines() or [b""]
        if not msg.is_multipart() and max(len(line) for line in lines) <= SMTP_MAX_LINE:
            msg.set_content(self.body, subtype="plain", charset="utf-8", cte="8bit")
        return msg


def send_after_commit(
    *, subject: str, body: str, to: list[str], headers: dict[str, str] | None = None
) -> None:
    """Send a message once the current transaction commits (at once outside a transaction)."""
    message = {"subject": " ".join(subject.split()), "body": body, "to": list(to)}
    if headers:
        message["headers"] = dict(headers)
    what = f"the mail {message['subject']!r} to {message['to']}"
    enqueue_after_commit(send_message, what, **message)


@task
def send_message(
    *, subject: str, body: str, to: list[str], headers: dict | None = None, attempt: int = 1
) -> None:
    try:
        TextMessage(subject, body, None, to, headers=headers or {}).send()
    except Exception as exc:
        _retry_or_give_up(
            subject=subject, body=body, to=to, headers=headers, attempt=attempt, error=exc
        )
        raise  # the attempt is recorded as failed, with its traceback


def _retry_or_give_up(*, subject, body, to, headers, attempt: int, error: Exception) -> None:
    if attempt < MAX_ATTEMPTS and send_message.get_backend().supports_defer:
        delay = RETRY_DELAYS[attempt - 1]
        try:
            again = {"subject": subject, "body": body, "to": to, "attempt": attempt + 1}
            if headers:
                again["headers"] = headers
            send_message.using(run_after=timezone.now() + timedelta(seconds=delay)).enqueue(**again)
        except Exception:
            logger.exception("Mail %r to %s failed and could not be queued again", subject, to)
            return
        logger.warning(
            "Mail %r to %s failed (attempt %d of %d); trying again in %d s: %s",
            subject,
            to,
            attempt,
            MAX_ATTEMPTS,
            delay,
            error,
        )
    else:
        logger.error(
            "Mail %r to %s was not sent (attempt %d, no more retries): %s",
            subject,
            to,
            attempt,
            error,
        )
