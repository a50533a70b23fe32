"""`python -m mockserver` is `mock-doitong`."""

from .cli import main

main()
