"""The dedupe key of a preparation message: one per appointment, sequence and moment."""


def dedupe_key_for(appointment_id: int, sequence: int, code: str) -> str:
    return f"precare:appointment:{appointment_id}:{sequence}:{code}"
