"""Archive: TikTok mentions and usage rights for small brand teams."""
