"""Platform-free dialogue logic: messages, conversations and the router between Rasa and people."""
