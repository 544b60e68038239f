"""Post-training evaluation on held-out chats, HumanEval, llama.cpp checks and the stage report."""
