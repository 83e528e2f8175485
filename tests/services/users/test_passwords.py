"""Passwords are stored as Argon2id hashes."""

import pytest

from dashboard.services.users.passwords import hash_password, verify_password


def test_hash_is_argon2id_salted_and_verifies():
    first, second = hash_password("correct horse"), hash_password("correct horse")
    assert first.startswith("$argon2id$")
    assert first != second  # salted
    assert verify_password(first, "correct horse")
    assert not verify_password(first, "correct horse!")


def test_garbage_hash_is_a_failed_check_not_a_crash():
    assert not verify_password("not-a-hash", "anything")


def test_empty_password_is_refused():
    with pytest.raises(ValueError):
        hash_password("")
