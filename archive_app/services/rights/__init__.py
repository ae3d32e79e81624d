"""Usage rights: requests, sending DMs, retries, Manage Rights' queries and Social Profiles."""
