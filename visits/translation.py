"""Fields translated into French and English (django-modeltranslation)."""

from modeltranslation.translator import TranslationOptions, register

from visits.models import MessageRule


@register(MessageRule)
class MessageRuleTranslation(TranslationOptions):
    fields = ("text",)
