"""HTML blueprints: thin — parse, call a service, commit once, render."""
