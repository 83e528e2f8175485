"""The audit trail: recording who changed what and why, and reading it back on /audit."""
