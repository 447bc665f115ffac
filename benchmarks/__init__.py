"""Reproducible measurements of the bot, run by hand (see benchmarks/README.md)."""
