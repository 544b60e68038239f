"""Artifact skeletons (spec, plan, tasks, checklist, constitution) and their lookup."""
