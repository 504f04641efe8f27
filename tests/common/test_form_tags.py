"""The error summary at the top of a form lists every error, each linked to its field."""

from __future__ import annotations

from django import forms
from django.template import Context, Template


class Booking(forms.Form):
    name = forms.CharField(label="Client name")
    kind = forms.ChoiceField(
        label="Kind", choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect
    )
    notes = forms.CharField(required=False)

    def clean(self):
        raise forms.ValidationError("The practitioner is not working then.")


def render(form) -> str:
    return Template('{% include "includes/form_errors.html" %}').render(Context({"form": form}))


def test_every_error_is_listed_with_a_link_to_its_field():
    html = render(Booking({"name": "", "kind": "z"}))
    assert "Please correct these 3 things:" in html
    assert "<li>The practitioner is not working then.</li>" in html
    assert '<a href="#id_name">Client name: This field is required.</a>' in html
    # A radio list links to its first option.
    assert '<a href="#id_kind_0">Kind: Select a valid choice.' in html


def test_nothing_is_shown_without_errors():
    assert render(Booking()).strip() == ""
    assert render(None).strip() == ""


def test_formsets_list_each_rows_errors():
    rows = forms.formset_factory(Booking, extra=0)(
        {"form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "0", "form-0-kind": "a"}
    )
    html = Template(
        "{% load form_tags %}{% error_summary rows as s %}"
        "{% for e in s %}[{{ e.anchor }}]{% endfor %}"
    ).render(Context({"rows": rows}))
    assert "[id_form-0-name]" in html
