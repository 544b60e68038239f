"""Export trained models: GGUF for llama.cpp (``gguf``) and a Hugging Face folder (``hf``)."""
