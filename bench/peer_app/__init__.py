"""The peer's side of bench/peers.py: a Django app of the bench's own (never the app's)."""
