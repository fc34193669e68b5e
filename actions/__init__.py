"""rasa-sdk custom actions, run in-process by the /actions endpoint; no import side effects."""
