"""Staff pages for booking, one module per page area.

Thin, like the API: forms collect input, ``clinic.booking.services`` decides and writes,
and the selectors read. Times are stored in UTC and shown in the clinic's time zone.
"""
