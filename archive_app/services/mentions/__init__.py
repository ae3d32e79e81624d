"""Mentions: ingesting what TikTok reports, the poll, webhook receipts, and the Feed's queries."""
