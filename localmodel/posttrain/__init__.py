"""Post-training on top of a pretrained run: mid-training, SFT, DPO/APO-zero and GRPO.

Every stage writes a run folder in the pretraining layout (``config.json``,
``tokenizer.json``, ``checkpoints/``, ``metrics.jsonl``), so export, chat, evaluation and
resuming work on it unchanged, and the next stage can start from it.
"""
