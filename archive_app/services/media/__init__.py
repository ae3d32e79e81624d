"""What Archive keeps of videos: the media store, covers, checks on TikTok (issue 22)."""
