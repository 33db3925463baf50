"""costcalc.check."""
