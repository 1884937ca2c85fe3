from django import template

from ..models import Report, Revision

register = template.Library()


@register.simple_tag
def moderation_counts():
    """How many changes and reports wait, for the admin index."""
    return {
        "pending": Revision.objects.pending().count(),
        "reports": Report.objects.filter(status=Report.Status.OPEN).count(),
    }
