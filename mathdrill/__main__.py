"""Allow ``python -m mathdrill``."""

from mathdrill.cli.launch import main

if __name__ == "__main__":
    main()
