"""Browser-facing helpers shared by ``api`` (which sets cookies) and ``states`` (which read
them from the socket's headers): no Reflex, no Starlette routes, no database."""
