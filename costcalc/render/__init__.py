"""costcalc.render."""
