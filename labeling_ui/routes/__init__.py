"""API routers; each module maps the domain errors of its calls to HTTP status codes."""
