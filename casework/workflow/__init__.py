"""The founding workflows: one table of transitions per flow, from which everything derives."""
