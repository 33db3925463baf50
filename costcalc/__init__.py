"""costcalc: what LLM inference will cost and how long it will take, before you spend the money."""

__version__ = "0.1.0"
