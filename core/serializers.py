"""Serializer fields built once per class.

DRF builds every serializer's fields anew for each instance: a plain ``Serializer`` deep-copies
its declared fields (each copy calls the field's ``__init__`` again), a ``ModelSerializer`` maps
the model's fields to serializer fields. On a booking request that is a quarter of the Python
time (the nested input, then the answer).

``PrototypeFieldsMixin`` builds them once per class, keeps that unbound set as a prototype that
is never used itself, and gives each instance shallow copies of those fields, which ``bind``
then names and attaches as usual. A nested serializer's copy builds its own fields when it is
used (from its class's prototype, if it has the mixin). A field built around a child that its
constructor binds (a list serializer, a ``ListField`` or ``DictField``, a many-related field)
gets a copy of the child too, attached to the copy.

Fields share their validators with the prototype, so there is one prototype per language (see
``get_fields``). Only for classes whose ``get_fields`` depends on the class alone (not on the
instance, its context or its data), which is DRF's own behaviour unless a subclass overrides it.

``SUPPORTED`` is the range of DRF this was checked against (``core.internals``); the setting
``SERIALIZER_FIELD_PROTOTYPES`` (environment, default on) set to off lets DRF build the fields.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import translation
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import fields as drf_fields
from rest_framework import relations, serializers

from core.extensions import ExtensionPoint
from core.internals import Supported

SUPPORTED = Supported(
    "djangorestframework", minimum="3.18", below="3.19", setting="SERIALIZER_FIELD_PROTOTYPES"
)

# Fields built around a child field that their constructor binds to them (field name "").
_CHILD_ATTRIBUTE: tuple[tuple[type[drf_fields.Field], str], ...] = (
    (serializers.ListSerializer, "child"),
    (drf_fields.ListField, "child"),
    (drf_fields.DictField, "child"),  # and HStoreField
    (relations.ManyRelatedField, "child_relation"),
)


def _instance_copy(field: drf_fields.Field) -> drf_fields.Field:
    # A shallow copy of the prototype, which is never bound nor used: its __dict__ holds only
    # what the constructor set (a nested serializer has not built its fields). Faster than
    # copy.copy, which goes through __reduce_ex__, let alone DRF's deep copy, which calls the
    # constructor again.
    clone = object.__new__(type(field))
    clone.__dict__ = field.__dict__.copy()
    for kind, attribute in _CHILD_ATTRIBUTE:
        if isinstance(field, kind):
            # The child gets a copy of its own, bound to the clone: binding it again under the
            # same empty name would set the same name, label and source, so only the parent
            # changes.
            child = _instance_copy(getattr(field, attribute))
            child.parent = clone  # type: ignore[assignment]  # DRF's own typing is narrower
            setattr(clone, attribute, child)
            break
    return clone


class PrototypeFieldsMixin:
    """Build the serializer's fields once per class and language; each instance gets copies."""

    def get_fields(self) -> dict[str, drf_fields.Field]:
        if not settings.SERIALIZER_FIELD_PROTOTYPES:
            return self._built_fields()
        cls = type(self)
        # Looked up in the class's own namespace: a subclass has fields of its own.
        by_language: dict[str | None, dict[str, drf_fields.Field]] | None = cls.__dict__.get(
            "_prototype_fields"
        )
        if by_language is None:
            by_language = {}
            cls._prototype_fields = by_language  # type: ignore[attr-defined]
        # One prototype per language: the validators a field builds in its constructor carry
        # messages that DRF formats once (``lazy_format`` keeps its first result), in the
        # language active then, and the copies share those validators.
        language = translation.get_language()
        prototype = by_language.get(language)
        if prototype is None:
            # Two threads may both build it at first: either result is the same, and complete
            # before it is published.
            prototype = by_language[language] = self._built_fields()
        return {name: _instance_copy(field) for name, field in prototype.items()}

    def _built_fields(self) -> dict[str, drf_fields.Field]:
        """The fields as DRF builds them, anew."""
        return super().get_fields()  # type: ignore[misc]


# --- Fields other apps contribute to an answer ----------------------------------------------


AnyField = drf_fields.Field[Any, Any, Any, Any]

# Type checkers see the mixin as the serializer it is used with; at run time it is a plain class.
if TYPE_CHECKING:
    _SerializerBase = serializers.Serializer[Any]
else:
    _SerializerBase = object


class ComputedField(drf_fields.Field):
    """A read-only field whose value ``compute(instance, context)`` gives; documented in the
    API schema as ``schema`` (a typed field or serializer, never used to serialise)."""

    def __init__(
        self,
        compute: Callable[[Any, Mapping[str, Any]], Any],
        *,
        schema: AnyField | serializers.BaseSerializer[Any],
        **kwargs: Any,
    ) -> None:
        kwargs["source"] = "*"
        kwargs["read_only"] = True
        super().__init__(**kwargs)
        self.compute = compute
        self.schema = schema

    def to_representation(self, value: Any) -> Any:
        return self.compute(value, self.context)


class ComputedFieldSchema(OpenApiSerializerFieldExtension):
    """drf-spectacular documents a ``ComputedField`` as the field it declares."""

    target_class = ComputedField

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> Any:
        return auto_schema._map_serializer_field(self.target.schema, direction)


@dataclass(frozen=True)
class AnswerPart:
    """What a higher app adds to a lower app's answer, through an ``ExtensionPoint``.

    ``fields`` are added after the answer's own, in registration order. ``annotate`` prepares
    the queryset the answer reads (an annotation in the same query, no query per row); ``fresh``
    gives a row just written the values ``annotate`` would have read, without reading it again.
    """

    fields: dict[str, AnyField]
    annotate: Callable[[QuerySet[Any]], QuerySet[Any]] | None = None
    fresh: Callable[[Any], Any] | None = None


def annotate_for(parts: Iterable[AnswerPart], queryset: QuerySet[Any]) -> QuerySet[Any]:
    """The queryset with every part's annotation."""
    for part in parts:
        if part.annotate is not None:
            queryset = part.annotate(queryset)
    return queryset


def fresh_for(parts: Iterable[AnswerPart], instance: Any) -> Any:
    """A row just written, with what every part's annotation would have read."""
    for part in parts:
        if part.fresh is not None:
            instance = part.fresh(instance)
    return instance


class ContributedFieldsMixin(_SerializerBase):
    """A serializer whose answer the apps above its own may add fields to.

    ``answer_points`` names the extension points of ``AnswerPart`` it reads. Put it before
    ``PrototypeFieldsMixin``: its own fields are built once per class, the contributed ones are
    prototypes already, and each instance gets copies of both.
    """

    answer_points: tuple[ExtensionPoint[AnswerPart], ...] = ()

    def get_fields(self) -> dict[str, AnyField]:
        fields: dict[str, AnyField] = super().get_fields()
        for point in self.answer_points:
            for part in point:
                for name, field in part.fields.items():
                    fields[name] = _instance_copy(field)
        return fields
