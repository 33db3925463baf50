"""`python -m costcalc`."""

from costcalc.cli import main

if __name__ == "__main__":
    main()
