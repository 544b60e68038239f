"""Byte-level BPE tokenizer training and its compression report."""
