"""Simulated bank source systems (T24, W4, LOS): their schemas, a data generator and churn."""
