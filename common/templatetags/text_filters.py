"""Small text filters for e-mails and PDFs."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def one_line(value: object) -> str:
    """A multi-line text (an address) as one line: its non-empty lines joined by ", "."""
    return ", ".join(line.strip() for line in str(value or "").splitlines() if line.strip())
