"""Command line of the local cloud: ``python -m localcloud demo [options]``."""

from __future__ import annotations

import sys

from .demo import main

if __name__ == "__main__":
    args = sys.argv[1:]
    if not args or args[0] != "demo":
        print("usage: python -m localcloud demo [options]  (see: demo --help)", file=sys.stderr)
        sys.exit(2)
    sys.exit(main(args[1:]))
