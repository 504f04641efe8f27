"""Names of aftercare messages."""


def dedupe_key_for(session_id: int, entry_code: str) -> str:
    """The name of one timeline entry's e-mail: never created twice (unique constraint)."""
    return f"aftercare:session:{session_id}:{entry_code}"
