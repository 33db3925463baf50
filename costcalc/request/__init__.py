"""Requests as the provider APIs see them.

Each API family's body (and batch file) is parsed into one neutral
:class:`~costcalc.request.model.Request` (see :mod:`costcalc.request.formats`
for the registry of parsers); billing rules per provider then count it
(:mod:`costcalc.request.billing`).
"""
