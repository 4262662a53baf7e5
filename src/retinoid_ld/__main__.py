"""``python -m retinoid_ld`` runs the same command as ``retinoid-ld``."""

from retinoid_ld.cli import main

raise SystemExit(main())
