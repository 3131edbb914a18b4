"""The shapes of what comes in and goes out: every limit declared once (`limits`)."""
