"""How deep one area of a session may be needled, and why a depth is over that (DOMAIN.md §2).

One verdict, read by the service that refuses an unjustified depth, by the record form's
area rows and by the live check the form asks for while a depth is typed. The numbers
come from the plan's protocol version (``treatments.plans.protocols``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from treatments.plans import protocols


@dataclass(frozen=True)
class DepthVerdict:
    area: str
    skin: str
    #: The deepest setting without a justification: the smaller of the indication's and
    #: the area's maximum for the skin.
    limit_mm: Decimal
    depth_mm: Decimal | None
    #: Why the depth is over the limit; empty when it is not (or no depth is given).
    reasons: tuple[str, ...] = ()
    #: The area's own caution (e.g. never inside the orbital rim).
    note: str = ""

    @property
    def over(self) -> bool:
        return bool(self.reasons)

    @property
    def refusal(self) -> str:
        """What the service answers when the depth has no justification."""
        return (
            " ".join(self.reasons) + " Write why this depth is needed, or record a depth of at "
            f"most {self.limit_mm} mm."
        )


def depth_verdict(
    engine: protocols.Protocols,
    *,
    indication: str,
    area: str,
    skin: str,
    depth_mm: Decimal | None = None,
) -> DepthVerdict:
    """The limit of ``area`` for ``skin`` in a course of ``indication``, and ``depth_mm``
    judged against it. ``area`` must be an area of the protocol version."""
    area_data = engine.areas[area]
    if indication in engine.indications:
        limit = engine.max_depth(indication=indication, area=area, skin=skin)
        reasons = (
            engine.depth_check(
                indication=indication, area=area, skin=skin, depth_mm=depth_mm
            ).reasons
            if depth_mm is not None
            else []
        )
    else:  # a plan of an indication this protocol version no longer has: the area decides
        limit = area_data.max_mm(skin)
        over = depth_mm is not None and depth_mm > limit
        reasons = [f"{depth_mm} mm is deeper than the {limit} mm maximum."] if over else []
    return DepthVerdict(
        area=area,
        skin=skin,
        limit_mm=limit,
        depth_mm=depth_mm,
        reasons=tuple(reasons),
        note=area_data.note,
    )
