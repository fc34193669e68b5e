"""HTTP edges of the service: app keys, middleware, health and the Rasa actions endpoint."""
