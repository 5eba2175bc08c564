"""The fast backend: the GGUF export is faithful, and llama.cpp answers like the reference."""

from __future__ import annotations

import numpy as np
import pytest

from pelliculum_lib.config import Settings
from pelliculum_lib.recommending.phase3 import Phase3Recommender

pytestmark = pytest.mark.slow


def test_gguf_export_writes_the_base_weights_in_llamacpp_layout(tmp_path, settings):
    """Exported without adapter, every tensor equals the base model's own GGUF (names, q/k layout,
    values), and the tokenizer and chat template are carried over."""
    import gguf
    from gguf.quants import dequantize

    from pelliculum_lib.modeling.llamacpp import export_gguf
    from pelliculum_lib.modeling.loading import offline_gguf_path

    path = export_gguf(tmp_path / "base.F16.gguf", settings, adapter="", qtype="F16")
    exported, original = gguf.GGUFReader(path), gguf.GGUFReader(offline_gguf_path())
    assert [t.name for t in exported.tensors] == [t.name for t in original.tensors]
    for mine, theirs in zip(exported.tensors, original.tensors):
        a = dequantize(mine.data, mine.tensor_type).astype(np.float32)
        b = dequantize(theirs.data, theirs.tensor_type).astype(np.float32)
        assert a.shape == b.shape, mine.name
        assert np.abs(a - b).max() <= 2e-3 * max(1.0, float(np.abs(b).max())), mine.name  # fp16 rounding only
    for key in ("tokenizer.ggml.tokens", "tokenizer.ggml.merges", "tokenizer.chat_template", "llama.block_count"):
        assert exported.fields[key].contents() == original.fields[key].contents()
    assert exported.fields["general.file_type"].contents() == gguf.LlamaFileType.MOSTLY_F16


def _answers(config: Settings, catalogue, film_ids: list[int], **kwargs) -> list[list[int]]:
    recommender = Phase3Recommender.load(config, catalogue=catalogue)
    return [films for films, _ in recommender.answer_films(film_ids, **kwargs)]


@pytest.fixture(scope="module")
def fixed_films(sample_catalogue) -> list[int]:
    """The fixed prompt set: the first 12 sample films that have recommendations."""
    movies = sample_catalogue.movies
    return movies[movies["recommendations"].notna()]["id"].head(12).astype(int).tolist()


def test_fast_backend_gives_the_reference_titles(settings, sample_catalogue, fixed_films):
    """Parity: greedy, constrained titles of llama.cpp (F16 GGUF) against transformers fp32.

    Measured on these 12 films: 10 identical lists, the same first title 12/12, mean Jaccard
    0.98 — the rest are near-ties late in a list (the engines sum in different orders)."""
    reference = _answers(Settings(**{**settings.model_dump(), "backend": "transformers"}), sample_catalogue,
                         fixed_films)
    fast = _answers(Settings(**{**settings.model_dump(), "backend": "llama.cpp", "gguf_type": "F16"}),
                    sample_catalogue, fixed_films)
    identical = sum(a == b for a, b in zip(fast, reference))
    jaccard = np.mean([len(set(a) & set(b)) / max(1, len(set(a) | set(b))) for a, b in zip(fast, reference)])
    first = sum(a[:1] == b[:1] for a, b in zip(fast, reference))
    print(f"llama.cpp F16 vs transformers fp32: identical {identical}/12, same first {first}/12, Jaccard {jaccard:.2f}")
    assert identical >= 9 and first >= 11 and jaccard >= 0.85


def test_fast_backend_answers_only_catalogue_films(settings, sample_catalogue, fixed_films):
    """Constrained decoding in llama.cpp: candidate films only, no repeats, never the query film;
    the seed's sampling works too and is reproducible."""
    config = Settings(**{**settings.model_dump(), "backend": "llama.cpp"})
    recommender = Phase3Recommender.load(config, catalogue=sample_catalogue)
    candidates = set(recommender.candidates)
    for sampling in (False, True):
        results = recommender.answer_films(fixed_films[:4], sampling=sampling)
        for source, (films, _) in zip(fixed_films, results):
            assert films and len(films) <= config.max_titles and len(set(films)) == len(films)
            assert source not in films and set(films) <= candidates
    again = Phase3Recommender.load(config, catalogue=sample_catalogue).answer_films(fixed_films[:4], sampling=True)
    assert [f for f, _ in again] == [f for f, _ in results]


def test_light_tokenizer_matches_the_transformers_tokenizer(settings, tokenizer):
    """The torch-free tokenizer of the llama.cpp backend: same prompt text, ids and decoding."""
    from pelliculum_lib.modeling.generation import prompt_text
    from pelliculum_lib.modeling.loading import END_OF_TURN, LightTokenizer, resolve_base_model

    light = LightTokenizer(resolve_base_model(settings))
    prompts = ["Suggest movies similar to The Dark Knight\nmovie recommendations:", "Amélie — 🎬 إنسبشن, 'Léon'"]
    for prompt in prompts:
        text = prompt_text(light, prompt, settings)
        assert text == prompt_text(tokenizer, prompt, settings)
        ids = light(text).input_ids
        assert ids == tokenizer(text, add_special_tokens=False).input_ids
        assert light.decode(ids, skip_special_tokens=True) == tokenizer.decode(ids, skip_special_tokens=True)
    titles = [" Toy Story,", "Se7en", " Amélie"]
    assert light(titles).input_ids == tokenizer(titles, add_special_tokens=False).input_ids
    assert light.convert_tokens_to_ids(END_OF_TURN) == tokenizer.convert_tokens_to_ids(END_OF_TURN)
    assert light.pad_token_id == tokenizer.pad_token_id
