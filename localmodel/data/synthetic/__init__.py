"""Synthetic post-training data with checkable answers, generated locally from seeds.

Families: arithmetic and word problems, JSON-schema objects, small Python functions run
in a sandbox, tool-call dialogues against stub tools, and spec-driven stage outputs that
validate against the schemas ``specify`` ships. Every task comes in think and no-think
form; see ``records`` for the JSONL format and ``verify`` for the checks.
"""
