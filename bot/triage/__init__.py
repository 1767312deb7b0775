"""The triage queue: complaints in front of customer service, staff actions, and learning from labels."""
