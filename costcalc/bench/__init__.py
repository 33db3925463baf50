"""costcalc.bench."""
