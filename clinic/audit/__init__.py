"""The audit trail as the clinic reads it: denied attempts, the manager's audit page and API."""
