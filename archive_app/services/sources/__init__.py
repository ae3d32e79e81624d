"""Sources: connecting TikTok accounts, their health, token refresh, reminders and the
disconnection mail."""
