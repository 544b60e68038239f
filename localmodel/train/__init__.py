"""Pretraining: recipes, optimizer and schedule, the training loop, checkpoints and evaluation."""
