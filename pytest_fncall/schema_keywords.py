"""JSON Schema keywords whose values are schemas: what walks over a schema must follow."""

from __future__ import annotations

from typing import Final

ONE_SCHEMA: Final = (
    "additionalProperties",
    "unevaluatedProperties",
    "propertyNames",
    "additionalItems",
    "unevaluatedItems",
    "contains",
    "not",
    "if",
    "then",
    "else",
)
"""Keywords whose value is one subschema."""
SCHEMA_LISTS: Final = ("allOf", "anyOf", "oneOf", "prefixItems")
"""Keywords whose value is a list of subschemas."""
SCHEMA_MAPS: Final = ("properties", "patternProperties", "dependentSchemas", "$defs")
"""Keywords whose value maps names to subschemas."""
