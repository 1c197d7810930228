"""The ASGI app serving OCPI to partners."""
