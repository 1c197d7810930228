"""OCPI 2.1.1 models: one module per spec chapter, classes named as the spec names them (the same
names as :mod:`openroam.models.v221` where the spec's names are the same).

Use them as ``from openroam.models import v211`` and ``v211.Location``. 2.1.1's ``string`` is
printable ASCII (types.md "string type"), unlike 2.2.1's UTF-8.
"""
