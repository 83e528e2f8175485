"""The benchmark behind `backorder-desk bench`: scenarios per page, their SQL floors, and the runner."""
