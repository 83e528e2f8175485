"""`python -m dashboard` is the same command line as `backorder-desk`."""

from dashboard.cli import main

main()
