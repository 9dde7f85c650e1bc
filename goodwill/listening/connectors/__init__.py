"""Channel connectors: each turns a platform's API into MessageItems (see base.py)."""
