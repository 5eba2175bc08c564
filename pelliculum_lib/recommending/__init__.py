"""Recommenders: phase 3 (titles written under the trie), the two-stage recommender (retrieval, then the fine-tuned ranker) and the non-LLM baselines."""
