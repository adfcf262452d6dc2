"""What the bot does in the world: thin functions over the workflow services (repairs,
complaints), plus the bot's own records (hand-offs, help requests) and the emergency
stop-gap. Dialog code calls these; these never talk to a person."""
