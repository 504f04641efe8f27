"""``{% error_summary form ... %}``: every error of a page's forms, each linked to its field."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template

register = template.Library()


@dataclass(frozen=True)
class SummaryError:
    message: str
    label: str = ""
    anchor: str = ""  # the id of the field's input: the summary links to it


def _anchor(bound: Any) -> str:
    # A radio or checkbox list has no single input; its first option is the one to reach.
    return bound.id_for_label or (f"{bound.auto_id}_0" if bound.auto_id else "")


def _form_errors(form: Any) -> list[SummaryError]:
    errors = [SummaryError(str(message)) for message in form.non_field_errors()]
    for name, messages in form.errors.items():
        if name == "__all__" or name not in form.fields:
            continue
        bound = form[name]
        for message in messages:
            errors.append(SummaryError(str(message), str(bound.label or name), _anchor(bound)))
    return errors


@register.simple_tag
def error_summary(*forms: Any) -> list[SummaryError]:
    """The errors of ``forms`` (forms or formsets; None is skipped), in page order."""
    errors: list[SummaryError] = []
    for item in forms:
        if item is None or not hasattr(item, "errors"):
            continue
        if hasattr(item, "forms"):  # a formset: its own errors, then each row's
            errors.extend(SummaryError(str(m)) for m in item.non_form_errors())
            for form in item.forms:
                errors.extend(_form_errors(form))
        else:
            errors.extend(_form_errors(item))
    return errors


@register.filter
def anchor_for(summary: list[SummaryError], message: object) -> str:
    """The field a message of the summary belongs to (its input's id), or ""."""
    return next((e.anchor for e in summary if e.message == str(message) and e.anchor), "")
