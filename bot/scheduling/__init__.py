"""Work that happens at a set time, claimed from the database: appointment reminders."""
