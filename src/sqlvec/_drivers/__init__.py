"""Backend drivers: hand-written async and sync twins implementing the protocols in base.py."""
