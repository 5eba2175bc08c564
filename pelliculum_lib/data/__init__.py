"""The catalogue: loading wykonos-schema data, cleaning, labels, the split, titles, film records, prompts and the phase datasets built from it."""
