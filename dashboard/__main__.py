"""`python -m dashboard` is the same command line as `backorder-desk`."""

from dashboard.cli import main

main(prog_name="backorder-desk")
