"""Drivers written async, once; unawait generates `sqlvec._drivers._sync` from them (see postgres.py)."""
