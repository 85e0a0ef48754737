"""Recover a vault's passphrase from a word list, one attempt at a time.

Every unlock attempt is recorded in the vault's audit log before the key is checked, the way a
real vault records failed logins. The search stops at the first passphrase that unlocks it.
"""

import hashlib
import tempfile
from pathlib import Path

ROUNDS = 5_000
SALT = b"vault-salt-2024"
ADJECTIVES = ["amber", "brisk", "calm", "dusty", "eager", "fuzzy", "gentle", "hollow", "icy", "jolly",
              "keen", "lucky", "mellow", "noble", "odd", "proud", "quiet", "rusty", "shy", "tidy"]
NOUNS = ["otter", "pine", "quartz", "river", "stone", "tulip", "umber", "valley", "willow", "yak",
         "zephyr", "anchor", "beacon", "canyon", "delta"]
SECRET = "rusty-tulip"


def derive(passphrase):
    return hashlib.pbkdf2_hmac("sha256", passphrase.encode("utf-8"), SALT, ROUNDS)


def attempt_unlock(vault, passphrase):
    """Records the attempt in the vault's audit log, then says whether ``passphrase`` unlocks it."""
    with open(vault["audit_log"], "a", encoding="utf-8") as audit:
        audit.write(f"attempt {passphrase}\n")
    return derive(passphrase) == vault["key"]


def main():
    candidates = [f"{adjective}-{noun}" for adjective in ADJECTIVES for noun in NOUNS]
    with tempfile.TemporaryDirectory(prefix="early-exit-") as tmp:
        vault = {"key": derive(SECRET), "audit_log": Path(tmp) / "audit.log"}
        found = None
        for passphrase in candidates:
            if attempt_unlock(vault, passphrase):
                found = passphrase
                break
        attempts = vault["audit_log"].read_text(encoding="utf-8").splitlines()
    print(f"passphrase: {found}")
    print(f"audit log: {len(attempts)} attempts, first {attempts[0]!r}, last {attempts[-1]!r}")
    print(f"audit log sha256: {hashlib.sha256(chr(10).join(attempts).encode('utf-8')).hexdigest()}")


if __name__ == "__main__":
    main()
