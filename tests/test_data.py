"""The data pipeline: loading, validation, malformed values, labels, split."""

from __future__ import annotations

import pandas as pd
import pytest

from pelliculum_lib.data.catalogue import (Catalogue, DatasetSchemaError, DatasetSourceError, WYKONOS_COLUMNS,
                                           is_held_out, load_raw, parse_id_lists)


def test_malformed_values_are_cleaned(tiny_frame):
    catalogue = Catalogue.from_frame(tiny_frame)
    assert catalogue.cleaning == {"rows_in": 8, "dropped_bad_id": 1, "dropped_no_title": 1,
                                  "dropped_duplicate_id": 1, "rows": 5}
    assert list(catalogue.movies.columns[:20]) == list(WYKONOS_COLUMNS)
    edges = catalogue.edges.groupby("source_id")["rec_id"].apply(list).to_dict()
    assert edges[1] == [2, 3, 12]          # "abc" and the trailing "-" skipped
    assert edges[2] == [1, 3]              # repeated id kept once
    assert edges[5] == [999, 1]            # the film itself dropped
    assert 3 not in edges and 4 not in edges  # "" and "None" mean no recommendations
    assert catalogue.movies.loc[3, "recommendations"] is pd.NA or pd.isna(catalogue.movies.loc[3, "recommendations"])


def test_unknown_ids_are_marked_unresolved(tiny_frame):
    catalogue = Catalogue.from_frame(tiny_frame)
    unresolved = catalogue.edges.loc[~catalogue.edges["resolved"], "rec_id"].tolist()
    assert sorted(unresolved) == [12, 999]
    resolved = catalogue.resolved_recommendations()
    assert resolved[resolved.source_id == 5]["rank"].tolist() == [0]  # re-ranked after skipping 999


def test_shared_titles_get_a_year_only_where_needed(tiny_frame):
    catalogue = Catalogue.from_frame(tiny_frame)
    assert catalogue.labels[1] == "Alpha"          # the popular one keeps the bare title
    assert catalogue.labels[4] == "Alpha (1970)"   # the other gets its year
    assert catalogue.labels[2] == "Beta"
    assert catalogue.labels.is_unique


def test_shared_title_without_year_gets_tmdb_id():
    frame = pd.DataFrame([{"id": 10, "title": "Same", "recommendations": None, "popularity": 2.0},
                          {"id": 11, "title": "same", "recommendations": None, "popularity": 1.0}])
    labels = Catalogue.from_frame(frame).labels
    assert labels[10] == "Same" and labels[11] == "same (TMDB 11)"


def test_missing_required_column_is_named():
    with pytest.raises(DatasetSchemaError, match=r"\['recommendations'\]"):
        Catalogue.from_frame(pd.DataFrame({"id": [1], "title": ["A"]}))


def test_parse_id_lists_handles_nulls():
    edges = parse_id_lists(pd.Series([1, 2, 3]), pd.Series(["2-3", None, "-"]))
    assert edges.to_dict("list") == {"source_id": [1, 1], "rank": [0, 1], "rec_id": [2, 3]}


def test_split_is_deterministic_and_independent_of_order():
    ids = pd.Series(range(1, 20001))
    first = is_held_out(ids, 0.1, 42)
    again = is_held_out(ids[::-1], 0.1, 42)[::-1]
    assert (first == again).all()
    assert 0.08 < first.mean() < 0.12
    assert (first != is_held_out(ids, 0.1, 7)).any()


def test_sources_and_formats(tmp_path, sample_data):
    frame = pd.read_parquet(sample_data)
    frame.to_csv(tmp_path / "movies.csv", index=False)
    load_raw(sample_data).save_to_disk(str(tmp_path / "disk"))
    sizes = {len(load_raw(p)) for p in (sample_data, tmp_path / "movies.csv", tmp_path / "disk")}
    assert sizes == {2300}
    (tmp_path / "movies.json").write_text("{}")
    with pytest.raises(DatasetSourceError, match="Unsupported"):
        load_raw(tmp_path / "movies.json")
    with pytest.raises(DatasetSourceError, match="PELLICULUM_DATASET"):
        load_raw(tmp_path / "nope.parquet")


def test_hub_unreachable_fails_fast_naming_the_setting(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(DatasetSourceError, match="PELLICULUM_DATASET"):
        load_raw("wykonos/movies")


def test_real_catalogue_example_matches_the_data_readme(full_data, settings):
    catalogue = Catalogue.load(full_data, settings)
    assert len(catalogue) == 63115
    first8 = catalogue.resolved_recommendations(8)
    labels = catalogue.labels.reindex(first8[first8.source_id == 155]["rec_id"]).tolist()
    assert labels == ["Inception", "Batman Begins", "Iron Man", "The Dark Knight Rises", "The Departed",
                      "The Lord of the Rings: The Return of the King", "Fight Club", "The Matrix"]
