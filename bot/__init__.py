"""Community manager des invisibles: the bot service (channels, dialogue routing, storage)."""
