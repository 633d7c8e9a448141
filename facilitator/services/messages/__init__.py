"""Messages that leave Facilitator: the outbox, what goes in it, and its delivery (issue 18)."""
