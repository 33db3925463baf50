"""costcalc.encodings."""
