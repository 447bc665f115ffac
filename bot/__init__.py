"""Assembly of microspace-bot: settings, CLI, Application factory, sandbox, demo."""
