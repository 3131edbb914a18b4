"""WTForms (through Flask-WTF, for CSRF), one module per area."""
