from __future__ import annotations

from typing import Any

from common.errors import Conflict


class ScreeningBlocksTreatment(Conflict):
    """409 ``screening_blocks_treatment``: the screening does not allow treatment on that date."""

    code = "screening_blocks_treatment"

    def __init__(self, detail: str, *, eligibility: dict[str, Any]) -> None:
        super().__init__(detail, extra={"screening": eligibility})
