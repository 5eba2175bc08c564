"""The language model: loading SmolLM2 (offline GGUF or Hub) and its adapters, generation, the title-trie constraint, the llama.cpp backend, and reading titles back from an answer."""
