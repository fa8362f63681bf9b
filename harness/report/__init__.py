"""Reading finished runs out: leaderboard tables and published numbers."""
