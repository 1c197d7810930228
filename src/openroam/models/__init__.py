"""OCPI protocol models, one package per version."""
