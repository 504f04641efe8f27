"""PDFs render with the shipped fonts and load nothing but the project's static files."""

from __future__ import annotations

import subprocess

import pytest
from django.template import engines
from weasyprint import HTML

from common.pdf import PDF_BASE_URL, PdfFetchRefused, html_to_pdf, url_fetcher


def _text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def _fonts(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout


def test_static_files_and_data_urls_are_served():
    fetcher = url_fetcher()
    font = fetcher.fetch(PDF_BASE_URL + "fonts/DejaVuSans.ttf")
    assert font.read(4) == b"\x00\x01\x00\x00"
    assert fetcher.fetch("data:text/plain,hi").read() == b"hi"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:9/x.png",
        "https://example.com/x.css",
        "pdf-static:///../../config/settings/base.py",
        "pdf-static:///static/../manage.py",
        "pdf-static:///no-such-file.png",
    ],
)
def test_everything_else_is_refused(url):
    with pytest.raises((PdfFetchRefused, ValueError)):
        url_fetcher().fetch(url)


def test_a_user_supplied_image_url_cannot_read_local_files(tmp_path):
    html = '<p>Before</p><img src="file:///etc/hostname"><p>After</p>'
    pdf = HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=url_fetcher()).write_pdf()
    text = _text(pdf, tmp_path)
    assert "Before" in text and "After" in text
    with open("/etc/hostname") as handle:
        hostname = handle.read().strip()
    assert not hostname or hostname not in text


def test_base_template_embeds_the_shipped_font(tmp_path, caplog):
    template = engines["django"].from_string(
        '{% extends "pdf/_base.html" %}{% block body %}<h1>{{ name }}</h1>{% endblock %}'
    )
    pdf = html_to_pdf(template.render({"name": "Zoë Ødegård"}))
    assert "Zoë Ødegård" in _text(pdf, tmp_path)
    fonts = _fonts(pdf, tmp_path)
    # The host has DejaVu too: the embedded font must be the shipped file, which
    # WeasyPrint names after the @font-face family, not a system fallback.
    assert "Needlework-Sans" in fonts
    assert "DejaVu" not in fonts
    problems = [r.getMessage() for r in caplog.records if r.name.startswith("weasyprint")]
    assert not [m for m in problems if "cannot be loaded" in m or "Failed to load" in m]


def test_a_process_renders_every_pdf_with_one_font_configuration(tmp_path, monkeypatch):
    import threading

    import weasyprint.text.fonts

    from common import pdf as pdf_module

    created = []

    class CountingFontConfiguration(weasyprint.text.fonts.FontConfiguration):
        def __init__(self) -> None:
            super().__init__()
            created.append(self)

    monkeypatch.setattr(weasyprint.text.fonts, "FontConfiguration", CountingFontConfiguration)
    monkeypatch.setattr(pdf_module, "_fonts", threading.local())  # a fresh process
    template = engines["django"].from_string(
        '{% extends "pdf/_base.html" %}{% block body %}<p>{{ name }}</p>{% endblock %}'
    )

    pdfs = [html_to_pdf(template.render({"name": f"Client {n}"})) for n in range(3)]

    assert len(created) == 1
    # Reused, the configuration still embeds the shipped font in every document.
    for n, pdf in enumerate(pdfs):
        assert f"Client {n}" in _text(pdf, tmp_path)
        assert "Needlework-Sans" in _fonts(pdf, tmp_path)
