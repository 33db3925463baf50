"""The bundled price and throughput tables (installed as costcalc.pricing)."""
