"""Appointments with counsellors: free slots, booking rules, reminders, calendar files."""
