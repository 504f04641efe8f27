"""Content negotiation for endpoints that answer one media type whatever ``Accept`` says."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request


class FirstRendererNegotiation(BaseContentNegotiation):
    """Always the view's first renderer: a PDF or a photo is that, whatever the client
    accepts (an <img> sends image/*, a download link */*); errors still render as JSON
    through the exception handler."""

    def select_parser(self, request: Request, parsers: Iterable[BaseParser]) -> BaseParser | None:
        return next(iter(parsers), None)

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        return renderer, renderer.media_type


class CSVRenderer(BaseRenderer):
    """``?format=csv`` on a list endpoint; the view answers the CSV itself, as text."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self,
        data: object,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        if isinstance(data, str):
            return data.encode("utf-8")
        # Errors answer JSON whatever was asked (see the views' handle_exception).
        return JSONRenderer().render(data)
