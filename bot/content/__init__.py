"""Texts the bot service says itself (Rasa's own replies live in domain.yml)."""
