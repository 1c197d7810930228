"""The OCPI 2.1.1 routes: what a 2.1.1 partner calls, converted at the edge (``openroam._convert``)
to and from the stored 2.2.1 shape."""
