from django import template

from ..forms import UploadForm
from ..models import FileVersion, VersionStatus

register = template.Library()


@register.simple_tag
def upload_form():
    """The upload page's form, for the editor's picture dialog (ids apart from the editor's)."""
    return UploadForm(auto_id="picture-%s")


@register.simple_tag
def pending_uploads() -> int:
    """For the admin's "Waiting for you" line."""
    return FileVersion.objects.filter(status=VersionStatus.PENDING).count()
