from django import template

from ..models import Licence

register = template.Library()


@register.simple_tag
def licence_choices():
    return Licence.choices
