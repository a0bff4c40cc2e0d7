"""Benchmarks: `make bench` (or `python -m bench.run NAME`); method in bench/README.md."""
