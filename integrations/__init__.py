"""Adapters to systems outside the CRM (Active Directory), each behind a small interface."""
