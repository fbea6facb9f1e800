#!/usr/bin/env python3
"""Derive the pseudonym Ingest expects for patient.pseudoId and readerPseudoId.

pseudonym = lowercase hex of HMAC-SHA256(key=UTF-8(site secret), msg=UTF-8(local id stripped)), 64 characters.
Same definition as tools/Pseudonym/Pseudonymizer.cs; standard library only.

    MONITORING_SITE_SECRET=$(cat /etc/site-secret) python3 pseudonym.py 12345 67890
    echo 12345 | MONITORING_SITE_SECRET=... python3 pseudonym.py

In a producer:  from pseudonym import derive;  event["patient"]["pseudoId"] = derive(secret, local_patient_id)
"""
import hashlib
import hmac
import os
import sys

MINIMUM_SECRET_BYTES = 32


def derive(site_secret: str, local_id: str) -> str:
    key = site_secret.encode("utf-8")
    if len(key) < MINIMUM_SECRET_BYTES:
        raise ValueError(f"the site secret must be at least {MINIMUM_SECRET_BYTES} bytes; generate one with `openssl rand -hex 32`")
    ident = local_id.strip()
    if not ident:
        raise ValueError("the local id is empty")
    return hmac.new(key, ident.encode("utf-8"), hashlib.sha256).hexdigest()


def main(argv: list[str]) -> int:
    secret = os.environ.get("MONITORING_SITE_SECRET")
    if not secret:
        print("Set MONITORING_SITE_SECRET to the site secret (at least 32 bytes).", file=sys.stderr)
        return 2
    ids = argv[1:] or [line for line in sys.stdin if line.strip()]
    try:
        for ident in ids:
            print(derive(secret, ident))
    except ValueError as e:
        print(e, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
