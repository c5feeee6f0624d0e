"""Baseline benchmarks of the parts the CRM is built on, measured on the machine at hand."""
