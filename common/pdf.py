"""PDF rendering with WeasyPrint, locked down.

Every PDF the product makes (signed consent, aftercare sheets) goes through
``render_pdf``. The URL fetcher only serves the project's own static files and
``data:`` URLs (the drawn signature); anything else, a network address or a
``file://`` path, is refused, so a value typed by a user can never make the
renderer read the server's files or call out. Fonts are shipped in
``static/fonts`` and declared in ``templates/pdf/_base.html``, so output does
not depend on what the host has installed.
"""

from __future__ import annotations

import atexit
import threading
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

#: The base URL that templates' relative and ``{% static %}`` URLs resolve against.
PDF_BASE_URL = "pdf-static:///"


class PdfFetchRefused(ValueError):
    """A PDF tried to load something other than a project static file."""


def _static_path(url: str) -> Path:
    parts = urlsplit(url)
    path = unquote(parts.path).lstrip("/")
    static_prefix = settings.STATIC_URL.strip("/") + "/"
    if path.startswith(static_prefix):
        path = path[len(static_prefix) :]
    if not path or ".." in Path(path).parts:
        raise PdfFetchRefused(f"Refused to load {url!r} into a PDF.")
    found = finders.find(path)
    if not found:
        raise PdfFetchRefused(f"No static file {path!r} for a PDF.")
    return Path(found)


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        """Project static files and ``data:`` URLs; every other URL is refused."""

        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if url.startswith("pdf-static:"):
                path = _static_path(url[len("pdf-static:") :])
                return URLFetcherResponse(url, body=path.read_bytes())
            raise PdfFetchRefused(f"Refused to load {url!r} into a PDF.")

    return StaticOnlyFetcher


def url_fetcher() -> Any:
    """A WeasyPrint URL fetcher limited to project static files and ``data:`` URLs."""
    return _fetcher_class()(allowed_protocols=("data", "pdf-static"))


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    """Render a Django template to PDF bytes with the locked-down fetcher."""
    return html_to_pdf(render_to_string(template_name, context))


_fonts = threading.local()


@atexit.register
def _drop_font_configuration() -> None:
    # Its destructor removes a temporary folder; run it while the interpreter still
    # has the modules it needs, not during shutdown.
    _fonts.__dict__.clear()


def font_configuration() -> Any:
    """This thread's WeasyPrint font configuration, created on first use and kept.

    A font configuration loads fontconfig's view of the system fonts and keeps the
    ``@font-face`` fonts a document declared; creating one per render made a worker
    grow by most of a megabyte per PDF and cost a fifth of the render. One per thread
    (a worker process has one), because fontconfig objects are not shared safely
    between threads.
    """
    config = getattr(_fonts, "config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _fonts.config = FontConfiguration()
    return config


def html_to_pdf(html: str) -> bytes:
    """PDF bytes of an HTML document, with the locked-down fetcher."""
    from weasyprint import HTML

    document = HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=url_fetcher())
    data: bytes = document.write_pdf(font_config=font_configuration())
    return data
