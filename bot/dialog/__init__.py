"""The conversation: tracker (Redis), forms with slot filling and confirmation, policies
per intent, elderly mode. :class:`~bot.dialog.manager.DialogManager` is the entry point."""
