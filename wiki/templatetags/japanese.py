from django import template

from wiki.japanese import mark_text

register = template.Library()


@register.filter
def ja(text) -> str:
    """Plain text escaped, with Japanese runs marked `lang="ja"`: {{ revision.title|ja }}."""
    return mark_text(text if text is not None else "")
