"""Telegram-facing code: one module per feature, each exporting `build_handlers()`.

Handlers translate Telegram updates into calls on `storage` and replies rendered from
`prompts`; they hold no SQL and no user-visible text of their own.
"""
