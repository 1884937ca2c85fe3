from django import template

from ..models import FileVersion, Licence, VersionStatus

register = template.Library()


@register.simple_tag
def licence_choices():
    return Licence.choices


@register.simple_tag
def pending_uploads() -> int:
    """For the admin's "Waiting for you" line."""
    return FileVersion.objects.filter(status=VersionStatus.PENDING).count()
