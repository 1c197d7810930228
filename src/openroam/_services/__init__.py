"""The platform behaviour per OCPI module; transaction boundaries live here."""
