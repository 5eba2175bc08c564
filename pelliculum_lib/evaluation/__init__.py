"""Measuring everything: ranking metrics, the evaluation tables, ablations with bootstrap intervals, phase experiments and the conversation's accuracy."""
