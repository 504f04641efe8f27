"""The API's JSON parser: DRF's, refusing NUL characters anywhere in the document."""

from __future__ import annotations

from typing import Any

from rest_framework import parsers, serializers

from common.validation import NUL_MESSAGE, nul_paths


class JSONParser(parsers.JSONParser):
    """A NUL inside any string or key is a 400 naming where it is (decision 0009).

    JSON can carry U+0000 as ``\\u0000``; PostgreSQL cannot store it in text or JSONB.
    Refusing it here covers every field of every endpoint, including free-form JSON
    (screening answers, rule-set data) that no serializer field types.
    """

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        paths = nul_paths(data)
        if paths:
            fields = {path or "non_field_errors": [NUL_MESSAGE] for path in paths}
            raise serializers.ValidationError(fields)
        return data
