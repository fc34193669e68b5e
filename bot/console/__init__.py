"""The counsellor console (#10): staff accounts, sessions, and (to come) the inbox and pages."""
