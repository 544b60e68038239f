"""`specify init`: the shared .specify/ files, the agent prompt and the first git commit."""
