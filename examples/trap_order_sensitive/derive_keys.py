"""Derive an encryption key for each account with PBKDF2, reporting progress as it goes.

``derive_key`` prints where it is while it works: before the slow derivation, after it and
after the strength check. The progress lines are part of the program's output.
"""

import hashlib

ROUNDS = 60_000
ACCOUNTS = [
    ("ada", "correct horse"), ("alan", "battery staple"), ("barbara", "hunter2"),
    ("claude", "letmein"), ("dennis", "trustno1"), ("donald", "monkey"),
    ("edsger", "dragon"), ("frances", "sunshine"), ("grace", "princess"),
    ("guido", "qwerty"), ("john", "iloveyou"), ("ken", "football"),
    ("leslie", "baseball"), ("linus", "welcome"), ("margaret", "shadow"),
    ("niklaus", "superman"),
]


def salt_for(user):
    return hashlib.sha256(b"salt:" + user.encode("utf-8")).digest()[:16]


def derive_key(user, password):
    """The PBKDF2-HMAC-SHA256 key of ``user``; prints its progress on the way."""
    print(f"{user}: deriving key ({ROUNDS} rounds)")
    key = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt_for(user), ROUNDS)
    print(f"{user}: derived {key.hex()[:16]}, checking strength")
    weak = len(password) < 8 or password.isalpha()
    print(f"{user}: done{' (weak password)' if weak else ''}")
    return key


def main():
    keys = {}
    for user, password in ACCOUNTS:
        keys[user] = derive_key(user, password)
    fingerprint = hashlib.sha256(b"".join(keys[user] for user, _ in ACCOUNTS)).hexdigest()
    print(f"{len(keys)} keys, fingerprint {fingerprint}")


if __name__ == "__main__":
    main()
