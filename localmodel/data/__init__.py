"""Local corpora: discovery, deduplication, tokenised shards, stage mixtures and the loader."""
