"""Shared test set-up: tests run the system as developers do (see the Makefile)."""

from __future__ import annotations

import os

# Settings default to production (fail closed); the test system is a development one. Set
# before any Settings object is built, and left alone when the caller chose otherwise.
os.environ.setdefault("CRM_ENVIRONMENT", "development")
