"""costcalc.check: the CI budget check behind `costcalc check`.

config.py (load and validate costcalc.yaml) -> run.py (count, price, evaluate:
:func:`costcalc.check.run.run_check`) with rules.py (what each budget rule
measures) and baseline.py (an earlier report, and the growth since). The
reports are rendered by :mod:`costcalc.render.check`.
"""
