"""OCPI protocol models, one package per version: ``from openroam.models import v221``.

``common`` holds what every version shares (the envelope, OcpiModel, the string types).
"""

__all__ = ["common", "v221"]
