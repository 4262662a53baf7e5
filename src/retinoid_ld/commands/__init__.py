"""One module per ``retinoid-ld`` command; each defines ``register(subparsers)``."""
