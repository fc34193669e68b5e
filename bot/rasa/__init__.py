"""Everything about talking to, starting and training Rasa."""
