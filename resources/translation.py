"""Fields translated into French and English (django-modeltranslation)."""

from modeltranslation.translator import TranslationOptions, register

from resources.models import Picture, Resource


@register(Resource)
class ResourceTranslation(TranslationOptions):
    fields = ("title", "summary")


@register(Picture)
class PictureTranslation(TranslationOptions):
    fields = ("alt",)
    required_languages = ("fr",)  # refused without its French text alternative
