"""OCPI 2.2.1 models: one module per spec chapter, names as the spec names them."""
