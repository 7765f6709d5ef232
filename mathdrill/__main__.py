"""Allow ``python -m mathdrill``."""

from mathdrill.cli.app import main

if __name__ == "__main__":
    main()
