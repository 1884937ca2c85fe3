"""Notices: messages to one user (moderation decisions and the like), listed on their notices
page with the unread ones marked, and counted in the header.

The count lives on the user's row (`User.unread_notice_count`), which every signed-in
request loads anyway; these two functions are the only writers of notices and the count.
"""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .models import Notice


def post_notice(user, message: str, url: str = "") -> Notice:
    """A new unread notice for `user`."""
    with transaction.atomic():
        notice = Notice.objects.create(user=user, message=message, url=url)
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
