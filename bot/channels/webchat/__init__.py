"""The web chat: a page a Mission Locale can embed, and its JSON API."""
