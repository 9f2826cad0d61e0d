"""A row's values as JSON and back, exactly: nothing is rounded and no type is guessed.

Each value is written as its field stores it (dates and times in ISO 8601 with their
microseconds, decimals and UUIDs as text); reading gives it back to the field to convert.
A binary value (a kept file) is not written in the row: the row names the archive member
that holds its bytes.
"""

from __future__ import annotations

import datetime
import decimal
import uuid

from django.utils.duration import duration_iso_string


def is_binary(field) -> bool:
    return field.get_internal_type() == "BinaryField"


def to_json(value):
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return duration_iso_string(value)
    if isinstance(value, (decimal.Decimal, uuid.UUID)):
        return str(value)
    return value


#: Fields whose JSON value (a number, text, true or false, or null) is already what the
#: database takes.
_AS_IS = {"AutoField", "BigAutoField", "SmallAutoField", "IntegerField", "BigIntegerField",
          "SmallIntegerField", "PositiveIntegerField", "PositiveBigIntegerField",
          "PositiveSmallIntegerField", "CharField", "TextField", "SlugField", "BooleanField"}

def reader(field, connection):
    """How to turn ``field``'s JSON value into a parameter of an INSERT on ``connection``;
    ``None`` when the value goes as it is."""
    kind = field.get_internal_type()
    if field.is_relation:
        kind = field.target_field.get_internal_type()
    if kind in _AS_IS:
        return None
    if kind == "JSONField":
        return lambda value: field.get_db_prep_save(value, connection)
    return lambda value: field.get_db_prep_save(
        None if value is None else field.to_python(value), connection)
