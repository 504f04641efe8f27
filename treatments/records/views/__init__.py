"""Staff pages for treatment sessions, one module per page: start, record (and sign),
detail (and amend), recall. Thin, like the API: forms collect input, the services decide
and write, the selectors read (decision 0005).
"""
