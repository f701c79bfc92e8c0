"""Fields translated into French and English (django-modeltranslation)."""

from modeltranslation.translator import TranslationOptions, register

from itineraries.models import Closure, Itinerary, Option, Site, SiteFigure, Stop, Theme


@register(Theme)
class ThemeTranslation(TranslationOptions):
    fields = ("name", "description")


@register(Site)
class SiteTranslation(TranslationOptions):
    fields = ("name", "description", "safety_notes", "demonstrates", "accessibility_notes")


@register(SiteFigure)
class SiteFigureTranslation(TranslationOptions):
    fields = ("label", "unit")


@register(Itinerary)
class ItineraryTranslation(TranslationOptions):
    fields = ("title", "summary", "description", "practical_notes", "includes", "meeting_point")


@register(Stop)
class StopTranslation(TranslationOptions):
    fields = ("title", "text", "alternative")


@register(Option)
class OptionTranslation(TranslationOptions):
    fields = ("name", "description")


@register(Closure)
class ClosureTranslation(TranslationOptions):
    fields = ("reason",)
