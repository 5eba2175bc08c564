"""LoRA fine-tuning with TRL's SFTTrainer, and merging/exporting/pushing the adapter."""
