from django import template

from wiki.models import RevisionStatus

from ..models import Post, PostReport

register = template.Library()


@register.simple_tag
def talk_counts():
    """How many talk posts and post reports wait, for the admin index."""
    return {
        "pending": Post.objects.filter(status=RevisionStatus.PENDING).count(),
        "reports": PostReport.objects.filter(is_open=True).count(),
    }
