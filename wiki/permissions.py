"""Who may do what. The code that saves calls these; views only ask them for display."""

from dataclasses import dataclass
from datetime import UTC

from django.conf import settings
from django.utils import formats

from accounts.models import TrustLevel

from .models import Block, Protection

TRUST_ORDER = [
    TrustLevel.UNCONFIRMED,
    TrustLevel.NEW,
    TrustLevel.AUTOCONFIRMED,
    TrustLevel.MODERATOR,
]


@dataclass(frozen=True)
class Refusal:
    message: str
    code: str


def active_block(user):
    if user is None or not user.is_authenticated:
        return None
    cache = getattr(user, "_active_block_cache", False)
    if cache is False:
        cache = Block.objects.active().filter(user=user).first()
        user._active_block_cache = cache
    return cache


def block_message(block) -> str:
    until = (
        # In UTC, as it says, whatever the timezone the admin form gave the value in.
        f"until {formats.date_format(block.expires_at.astimezone(UTC), 'DATETIME_FORMAT')} (UTC)"
        if block.expires_at
        else "until a moderator lifts the block"
    )
    return f"You are blocked from editing {until}. Reason: {block.reason}"


def edit_refusal(user, article=None) -> Refusal | None:
    """Why `user` may not edit `article` (or create one when article is None); None if they may."""
    if user is None or not user.is_authenticated:
        return Refusal("Sign in to edit.", "anonymous")
    if not user.is_active:
        return Refusal("This account is disabled.", "inactive")
    block = active_block(user)
    if block is not None:
        return Refusal(block_message(block), "blocked")
    level = user.trust_level
    if level == TrustLevel.UNCONFIRMED:
        return Refusal("Confirm your email address before editing.", "unconfirmed")
    protected = article is not None and article.protection != Protection.NONE
    if protected and TRUST_ORDER.index(level) < TRUST_ORDER.index(TrustLevel.AUTOCONFIRMED):
        return Refusal(
            f"This article is protected ({article.get_protection_display().lower()}): "
            "new accounts cannot edit it yet.",
            "protected",
        )
    return None


def publishes_at_once(user, article=None) -> bool:
    """Whether an edit by `user` is accepted without review (chain rules aside)."""
    level = user.trust_level
    if level == TrustLevel.MODERATOR:
        return True
    if level != TrustLevel.AUTOCONFIRMED:
        return False
    return article is None or article.protection != Protection.MODERATORS


def edit_rate_limit(user) -> int:
    if user.is_trusted:
        return settings.KOTOBA_EDIT_RATE_AUTOCONFIRMED
    return settings.KOTOBA_EDIT_RATE_NEW


def can_moderate(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_moderator)


def report_refusal(user) -> Refusal | None:
    if user is None or not user.is_authenticated:
        return Refusal("Sign in to report a problem.", "anonymous")
    block = active_block(user)
    if block is not None:
        return Refusal(block_message(block).replace("editing", "editing and reporting"), "blocked")
    return None
