"""`python -m benchmarks [NAME ...] [--rows N]`: run benchmarks and print one table."""

from benchmarks.runner import main

raise SystemExit(main())
