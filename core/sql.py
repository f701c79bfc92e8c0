"""A hot queryset compiled to SQL once per thread, then run again with another value.

Django compiles a queryset to SQL each time it is evaluated. For the row a booking locks (a
departure joined to its itinerary, fifty columns, ``FOR UPDATE OF``) the compilation costs
about 0.45 ms of CPU, more than PostgreSQL takes to run the statement. ``CompiledQuery`` compiles
the queryset once per thread and database alias with a sentinel in place of its one varying
value, then runs the same SQL with the value substituted. Rows become model instances as
Django's ``ModelIterable`` makes them: the compiler's converters, then ``from_db`` for the model
and each ``select_related`` relation. A compiler belongs to its thread's connection, hence one
per thread.

For querysets whose SQL depends on nothing but that value: no ``now()``, no setting, no
language. Django 5.2's compiler internals (``klass_info``, ``get_related_populators``) are used
as ``ModelIterable`` uses them; tests compare every field with the ORM's own answer.
``SUPPORTED`` is the range of Django they were checked against (``core.internals``); the setting
``COMPILED_QUERIES`` (environment, default on) set to off makes ``get`` ask the ORM each time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.core.exceptions import MultipleObjectsReturned, ObjectDoesNotExist
from django.db import connections
from django.db.models import Field, Model, QuerySet
from django.db.models.query import get_related_populators
from django.db.transaction import TransactionManagementError

from core.internals import Supported

SUPPORTED = Supported("django", minimum="5.2", below="5.3", setting="COMPILED_QUERIES")

M = TypeVar("M", bound=Model)

# Stands for the varying value while compiling: found again among the compiled parameters.
SENTINEL = -7_340_417_219


class _Compiled:
    def __init__(self, queryset: QuerySet[Any], using: str) -> None:
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        positions = [index for index, param in enumerate(params) if param == SENTINEL]
        if len(positions) != 1:
            raise ValueError("The queryset must use the sentinel value exactly once")
        self.compiler = compiler
        self.sql = sql
        self.params = list(params)
        self.position = positions[0]
        self.for_update = queryset.query.select_for_update
        klass_info = compiler.klass_info
        if klass_info is None or compiler.annotation_col_map:
            raise ValueError("Only model rows, without annotations, are supported")
        self.model: type[Model] = klass_info["model"]
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [
            column[0].target.attname for column in compiler.select[self.start : self.end]
        ]
        # django-stubs describes a later Django, whose signature adds fetch_mode.
        self.populators = get_related_populators(klass_info, compiler.select, using)  # type: ignore[call-arg]


class CompiledQuery(Generic[M]):
    """``build(value)`` returns the queryset for one value, an integer compared for equality
    with the integer model ``field`` (a value out of the field's range matches no row, as the
    ORM's own lookup has it)."""

    def __init__(self, build: Callable[[int], QuerySet[M]], field: Field[Any, Any]) -> None:
        self._build = build
        self._field_type = field.get_internal_type()
        self._local = threading.local()

    def _compiled(self, using: str) -> _Compiled:
        cache: dict[str, _Compiled] = self._local.__dict__.setdefault("by_alias", {})
        compiled = cache.get(using)
        if compiled is None:
            compiled = cache[using] = _Compiled(self._build(SENTINEL), using)
        return compiled

    def get(self, value: int, using: str = "default") -> M | None:
        """The one row for ``value``, or None."""
        if not settings.COMPILED_QUERIES:
            try:  # the ORM's own answer, compiled again each time
                return self._build(value).using(using).get()
            except ObjectDoesNotExist:
                return None
        connection = connections[using]
        low, high = connection.ops.integer_field_range(self._field_type)
        if (low is not None and value < low) or (high is not None and value > high):
            return None
        compiled = self._compiled(using)  # Django refuses to compile a lock outside a transaction
        if (
            compiled.for_update
            and connection.features.has_select_for_update
            and connection.get_autocommit()
        ):
            # and so does a compiled one: the lock would be released at once.
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        params = list(compiled.params)
        params[compiled.position] = value
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchmany(2)
        if not rows:
            return None
        if len(rows) > 1:
            raise MultipleObjectsReturned("More than one row for one value")
        row = next(iter(compiled.compiler.results_iter(results=[rows])))
        instance = compiled.model.from_db(
            using, compiled.init_list, row[compiled.start : compiled.end]
        )
        for populator in compiled.populators:
            populator.populate(row, instance)
        return instance  # type: ignore[return-value]
