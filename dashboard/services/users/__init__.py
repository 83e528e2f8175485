"""Who may sign in: accounts with their role, and how passwords are kept (Argon2id hashes)."""
