"""Hotline: a self-hosted, federated platform for hotlines fighting child sexual exploitation."""
