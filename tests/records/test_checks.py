"""The record form's live checks: partials answered from the rules the services enforce.

DOMAIN.md §2: a depth above the area's maximum needs a justification (the limit is the
smaller of the indication's and the area's maximum for the skin); vitamin C serum is
never applied during needling.
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings

from common.errors import ApplicationError
from treatments.plans import protocols
from treatments.records import services as session_services

pytestmark = pytest.mark.django_db


def area_check(web, persona, session, row="areas-0", **inputs):
    query = {"row": row, **{f"{row}-{name}": value for name, value in inputs.items()}}
    return web(persona).get(f"/sessions/{session.pk}/record/area-check/?{urlencode(query)}")


def product_check(web, persona, session, row="products-0", **inputs):
    query = {"row": row, **{f"{row}-{name}": value for name, value in inputs.items()}}
    return web(persona).get(f"/sessions/{session.pk}/record/product-check/?{urlencode(query)}")


def text(response) -> str:
    return unescape(response.content.decode())


# --- depth --------------------------------------------------------------------------------


def test_a_depth_within_the_limit_shows_the_limit(web, ready, started):
    response = area_check(web, ready.persona, started, area="forehead", skin="thin", depth_mm="0.5")
    assert response.status_code == 200
    body = text(response)
    assert body.startswith("Limit 0.5 mm")  # fine lines 1.0 mm, forehead thin skin 0.5 mm
    assert "data-over" not in body
    assert 'id="areas-0-why-hint"' in body and 'hx-swap-oob="true"' in body
    assert "needed only above the limit" in body


def test_a_depth_over_the_limit_says_why_and_asks_for_a_justification(web, ready, started):
    body = text(
        area_check(web, ready.persona, started, area="forehead", skin="thin", depth_mm="0.75")
    )
    assert "data-over" in body
    assert "0.75 mm is deeper than the 0.5 mm maximum for forehead (thin skin)." in body
    assert "Write why below." in body
    assert re.search(r'id="areas-0-why-hint"[^>]*>required</span>', body)


def test_thick_skin_has_its_own_limit(web, ready, started):
    body = text(
        area_check(web, ready.persona, started, area="forehead", skin="thick", depth_mm="0.75")
    )
    assert body.startswith("Limit 0.75 mm") and "data-over" not in body


def test_an_area_note_is_shown_with_its_limit(web, ready, started):
    body = text(area_check(web, ready.persona, started, area="periorbital", skin="thin"))
    assert body.startswith("Limit 0.25 mm · Never inside the orbital rim (SPL).")


def test_the_row_named_is_the_row_checked(web, ready, started):
    body = text(
        area_check(web, ready.persona, started, row="areas-7", area="cheeks_chin", depth_mm="1.5")
    )
    assert "1.5 mm is deeper than the 1.0 mm maximum for cheeks and chin (thin skin)." in body
    assert 'id="areas-7-why-hint"' in body


@pytest.mark.parametrize("inputs", [{}, {"area": "elbow"}, {"area": "", "depth_mm": "0.5"}])
def test_no_area_of_the_protocol_asks_for_one(web, ready, started, inputs):
    body = text(area_check(web, ready.persona, started, **inputs))
    assert body.startswith("Choose an area to see its depth limit.")


@pytest.mark.parametrize("depth", ["", "abc", "NaN", "Infinity", "1e999999", "-1"])
def test_a_depth_that_is_not_a_number_still_answers(web, ready, started, depth):
    response = area_check(web, ready.persona, started, area="forehead", depth_mm=depth)
    assert response.status_code == 200
    assert "Limit 0.5 mm" in text(response) or "data-over" in text(response)


@pytest.mark.parametrize(
    ("area", "skin", "depth"),
    [
        ("forehead", "thin", "0.5"),
        ("forehead", "thin", "0.55"),
        ("forehead", "thick", "0.75"),
        ("forehead", "thick", "1.0"),
        ("periorbital", "thin", "0.3"),
        ("cheeks_chin", "thick", "1.0"),
        ("cheeks_chin", "thick", "1.25"),  # deeper than the indication's 1.0 mm
    ],
)
def test_the_check_warns_exactly_when_the_service_refuses(web, ready, started, area, skin, depth):
    warned = "data-over" in text(
        area_check(web, ready.persona, started, area=area, skin=skin, depth_mm=depth)
    )
    row = {"area": area, "skin": skin, "depth_mm": depth, "passes": 2}
    try:
        session_services.session_update(session=started, actor=ready.user, data={"areas": [row]})
    except ApplicationError as exc:
        refused = "areas.0.justification" in (exc.fields or {})
    else:
        refused = False
    assert warned == refused


# --- vitamin C -----------------------------------------------------------------------------


def test_vitamin_c_during_needling_gets_the_services_refusal(web, ready, started):
    response = product_check(
        web, ready.persona, started, product="Vitamin C serum 15%", timing="during"
    )
    assert response.status_code == 200
    expected = protocols.vitamin_c_refusal(product="Vitamin C serum 15%", timing="during")
    assert text(response) == expected
    with pytest.raises(ApplicationError) as refused:
        session_services.session_update(
            session=started,
            actor=ready.user,
            data={"products": [{"product": "Vitamin C serum 15%", "timing": "during"}]},
        )
    assert refused.value.detail == expected


def test_a_product_marked_vitamin_c_is_refused_during_needling(web, ready, started):
    body = text(
        product_check(
            web,
            ready.persona,
            started,
            product="Brightening drops",
            timing="during",
            is_vitamin_c="on",
        )
    )
    assert "never applied to needled skin" in body


@pytest.mark.parametrize(
    "inputs",
    [
        {"product": "Vitamin C serum 15%", "timing": "after"},
        {"product": "Hyaluronic serum", "timing": "during"},
        {"product": "", "timing": ""},
        {},
    ],
)
def test_anything_else_gets_no_warning(web, ready, started, inputs):
    response = product_check(web, ready.persona, started, **inputs)
    assert response.status_code == 200
    assert response.content == b""


# --- who may ask --------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["area-check", "product-check"])
def test_the_checks_answer_only_those_who_record_in_the_clinic(
    client, web, ready, started, reception, other_manager, path
):
    url = (
        f"/sessions/{started.pk}/record/{path}/?row="
        + path.split("-")[0].replace("area", "areas").replace("product", "products")
        + "-0"
    )
    assert web(ready.persona).get(url).status_code == 200
    assert web(reception).get(url).status_code == 403
    assert web(other_manager).get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


@pytest.mark.parametrize(
    ("path", "row"),
    [
        ("area-check", ""),
        ("area-check", "products-0"),
        ("area-check", "areas-x"),
        ("product-check", "areas-0"),
        ("product-check", "products-0<script>"),
    ],
)
def test_a_check_needs_the_row_it_answers_for(web, ready, started, path, row):
    url = f"/sessions/{started.pk}/record/{path}/?{urlencode({'row': row})}"
    assert web(ready.persona).get(url).status_code == 400


# --- the page ----------------------------------------------------------------------------


def test_the_form_rows_ask_the_checks_and_the_first_render_uses_the_same_words(web, ready, started):
    body = text(web(ready.persona).get(f"/sessions/{started.pk}/record/"))
    assert f'hx-get="/sessions/{started.pk}/record/area-check/?row=areas-0"' in body
    assert f'hx-get="/sessions/{started.pk}/record/product-check/?row=products-0"' in body
    # The JavaScript template row asks for its own row once it is numbered.
    assert f'hx-get="/sessions/{started.pk}/record/area-check/?row=areas-__prefix__"' in body
    limit = re.search(r'<p class="area-row__limit" data-limit[^>]*>(.*?)</p>', body, re.S)
    partial = text(
        area_check(web, ready.persona, started, area="forehead", skin="thin", depth_mm="0.50")
    )
    assert limit.group(1).strip() == partial.split("<span")[0].strip() == "Limit 0.5 mm"
    assert "session-live-config" not in body


def test_the_script_holds_no_rule_of_its_own():
    source = (Path(settings.BASE_DIR) / "static" / "js" / "session.js").read_text()
    script = re.sub(r"//.*", "", source)  # the code, not the comments explaining it
    for rule in (
        "ascorb",
        "vit",
        "deeper",
        "Limit ",
        " mm",
        "never applied",
        '"required"',
        "needed only",
    ):
        assert rule not in script, rule
