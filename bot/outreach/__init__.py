"""Outreach attribution: the links and QR codes of each action, and the staff commands."""
