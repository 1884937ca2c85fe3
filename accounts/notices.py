"""Notices: messages to one user (moderation decisions, watched changes, talk replies,
mentions), listed on their notices page with the unread ones marked, counted in the header,
and mailed as the user chose for that kind: never, at once, or in a daily digest.

The count lives on the user's row (`User.unread_notice_count`), which every signed-in
request loads anyway; `post_notice` and `mark_all_read` are the only writers of notices and
the count, and `tell` is how the rest of the site tells someone something.
Every mail carries a signed link that stops that kind of mail without signing in, and a
`List-Unsubscribe` header (one-click, RFC 8058) for mail programs.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from .mail import send_after_commit
from .models import MailWhen, Notice, NoticeKind

SUBJECT_MAX = 78  # characters, "Kotoba: " included: one line in a mail client's list
UNSUBSCRIBE_SALT = "kotoba.unsubscribe"


def post_notice(user, message: str, url: str = "", kind: str = NoticeKind.DECISIONS) -> Notice:
    """A new unread notice for `user`."""
    with transaction.atomic():
        notice = Notice.objects.create(user=user, message=message, url=url, kind=kind)
        get_user_model().objects.filter(pk=user.pk).update(
            unread_notice_count=F("unread_notice_count") + 1
        )
    return notice


def mark_all_read(user) -> int:
    """Every notice of `user` read now; returns how many were unread."""
    with transaction.atomic():
        count = Notice.objects.filter(user=user, read_at=None).update(read_at=timezone.now())
        get_user_model().objects.filter(pk=user.pk).update(unread_notice_count=0)
    user.unread_notice_count = 0
    return count


def tell(user, message: str, url: str = "", *, kind: str = NoticeKind.DECISIONS) -> None:
    """A notice for `user`, and a mail once the transaction commits if they want this kind
    at once (a decision that rolls back mails nobody; a mail outage undoes nothing)."""
    if user is None:
        return
    post_notice(user, message, url, kind)
    if user.email and mail_setting(user, kind) == MailWhen.NOW:
        link = _absolute(url)
        unsubscribe = unsubscribe_url(user, kind)
        body = f"{message}\n\n{link}".strip() + _footer([kind], user)
        send_after_commit(
            subject=mail_subject(message),
            body=body,
            to=[user.email],
            headers=unsubscribe_headers(unsubscribe),
        )


def mail_setting(user, kind: str) -> str:
    return getattr(user, f"mail_{kind}")


def mail_subject(message: str) -> str:
    """ "Kotoba: " and the message, cut at the last whole word that fits, with an ellipsis."""
    subject = "Kotoba: " + " ".join(message.split())
    if len(subject) <= SUBJECT_MAX:
        return subject
    cut = subject[: SUBJECT_MAX - 1]
    if " " in cut[len("Kotoba: ") :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.—-") + "…"


def _absolute(url: str) -> str:
    return settings.KOTOBA_SITE_URL + url if url.startswith("/") else url


# --- stopping mail -------------------------------------------------------------------------


def unsubscribe_url(user, kind: str) -> str:
    token = signing.dumps({"u": user.pk, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)
    return _absolute(reverse("unsubscribe", args=[token]))


def unsubscribe_headers(url: str) -> dict[str, str]:
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def read_unsubscribe_token(token: str):
    """(user, kind) that a mail's link names, or None for a link that is not ours."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    kind = data.get("k") if isinstance(data, dict) else None
    user = get_user_model().objects.filter(pk=data.get("u")).first() if kind else None
    if user is None or kind not in NoticeKind.values:
        return None
    return user, kind


def stop_mail(user, kind: str) -> None:
    get_user_model().objects.filter(pk=user.pk).update(**{f"mail_{kind}": MailWhen.OFF})


def _footer(kinds, user) -> str:
    lines = ["", "", "--"]
    for kind in kinds:
        label = NoticeKind(kind).label.lower()
        lines.append(f"Stop mails about {label}: {unsubscribe_url(user, kind)}")
    lines.append(f"All mail settings: {_absolute(reverse('account_settings'))}")
    return "\n".join(lines)


# --- the daily digest ----------------------------------------------------------------------


def send_digests(now=None) -> int:
    """One mail to each user with notices of the kinds they get daily since their last
    digest (or since they joined); returns how many were sent. Run once a day
    (`manage.py send_digests`)."""
    now = now or timezone.now()
    daily = Q()
    for kind in NoticeKind.values:
        daily |= Q(**{f"mail_{kind}": MailWhen.DAILY})
    sent = 0
    users = get_user_model().objects.filter(daily, is_active=True).exclude(email="")
    for user in users.iterator():
        kinds = [k for k in NoticeKind.values if mail_setting(user, k) == MailWhen.DAILY]
        since = user.last_digest_at or user.date_joined
        notices = list(
            user.notices.filter(kind__in=kinds, created_at__gt=since, created_at__lte=now).order_by(
                "created_at", "pk"
            )[:200]
        )
        get_user_model().objects.filter(pk=user.pk).update(last_digest_at=now)
        if not notices:
            continue
        lines = [f"What happened on Kotoba since {since:%d %B %Y, %H:%M} (UTC):", ""]
        for notice in notices:
            lines.append(f"- {notice.message}")
            if notice.url:
                lines.append(f"  {_absolute(notice.url)}")
        used = sorted({n.kind for n in notices})
        send_after_commit(
            subject=f"Kotoba: {len(notices)} notice{'s' if len(notices) != 1 else ''} today",
            body="\n".join(lines) + _footer(used, user),
            to=[user.email],
            headers=unsubscribe_headers(unsubscribe_url(user, used[0])),
        )
        sent += 1
    return sent
