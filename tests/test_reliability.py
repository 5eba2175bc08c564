"""Hostile input, limits, failing dependencies: the service keeps answering, clearly."""

from __future__ import annotations

import json

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings as hsettings

from conftest import FAKE_POSTER, FakeTMDb, variant
from api.main import create_app
from pelliculum_lib.cli import main
from pelliculum_lib.config import Settings
from pelliculum_lib.data.catalogue import DatasetSourceError
from pelliculum_lib.modeling.loading import ModelSourceError
from pelliculum_lib.serving.service import RecommendationService

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fuzz_app(service, tmp_path_factory):
    return create_app(variant(service, tmp_path_factory, rate_limit_per_minute=0))


def test_fuzzing_the_openapi_schema_gives_no_5xx_and_conforming_answers(fuzz_app):
    """Property-based fuzzing of every operation of the service's own OpenAPI schema (schemathesis)."""
    with TestClient(fuzz_app):  # runs the lifespan
        schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert {op.path for op in operations} >= {"/recommend/", "/chat", "/movies/search", "/health"}
        for operation in operations:
            @hsettings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck), database=None)
            @given(case=operation.as_strategy())
            def fuzz(case):
                response = case.call()
                assert response.status_code < 500, f"{operation.method} {operation.path}: {response.text}"
                case.validate_response(response)

            fuzz()


@pytest.fixture(scope="module")
def client(service, tmp_path_factory):
    with TestClient(create_app(variant(service, tmp_path_factory, rate_limit_per_minute=0))) as client:
        yield client


@pytest.mark.parametrize("text", [
    "🎬🍿🎥", "فيلم مثل العراب", "סרטים כמו", "'; DROP TABLE films; --", "\" OR 1=1 --",
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "Robert'); DROP TABLE Students;--",
    "a" * 500, "ｔｈｅ ｍａｔｒｉｘ", "\u202eTitanic",
])
def test_hostile_text_gets_a_clear_4xx_or_a_sane_answer(client, text):
    for route, field in (("/recommend/", "title"), ("/chat", "message")):
        response = client.post(route, json={field: text})
        assert response.status_code in (200, 404, 422), response.text
        body = response.json()
        if response.status_code != 200:
            assert isinstance(body["detail"], str) and body["detail"]
        elif route == "/chat":
            assert "<script" not in body["reply"] and "onerror" not in body["reply"]
        else:  # a title the resolver matched: that film's answer
            assert body["match"] in ("exact", "fuzzy") and body["film"]["title"] and body["recommendations"]
    search = client.get("/movies/search", params={"q": text[:200]})
    assert search.status_code == 200 and isinstance(search.json(), list)


def test_whitespace_and_oversized_bodies(client):
    assert client.post("/chat", json={"message": " \n\t "}).status_code == 422
    response = client.post("/chat", content=json.dumps({"message": "x" * 50_000}),
                           headers={"Content-Type": "application/json"})
    assert response.status_code == 413 and "too large" in response.json()["detail"]


def test_rate_limit_per_client(service, tmp_path_factory):
    limited = create_app(variant(service, tmp_path_factory, rate_limit_per_minute=3))
    with TestClient(limited) as client:
        codes = [client.post("/chat", json={"message": "hello"}).status_code for _ in range(5)]
        assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
        assert client.get("/health").status_code == 200  # reads are not limited


# --------------------------------------------------------------------------- a failing TMDb


@pytest.mark.parametrize("mode, poster", [("ok", FAKE_POSTER), ("slow", FAKE_POSTER), ("error", None),
                                          ("garbage", None), ("hang", None)])
@pytest.mark.timeout(120)  # an answer that waited for the hanging TMDb would wait 10 minutes
def test_failing_tmdb_never_stops_the_answer(service, tmp_path_factory, fake_tmdb, mode, poster):
    FakeTMDb.reset(mode)  # slow: within the 1 s budget; hang: never answers
    cache = tmp_path_factory.mktemp("tmdb-cache")
    with_tmdb = variant(service, tmp_path_factory, tmdb_api_key="test-key", tmdb_base_url=fake_tmdb,
                        tmdb_timeout=1.0, cache_dir=cache, rate_limit_per_minute=0)
    movies = service.recommender.catalogue.movies
    title = movies[movies["recommendations"].notna()]["label"].iloc[1]
    with TestClient(create_app(with_tmdb)) as client:
        assert client.get("/health").json()["tmdb"] is True
        client.post("/recommend/", json={"title": title})  # warm the answer cache: TMDb alone below
        assert FakeTMDb.requests  # the answer asked TMDb
        response = client.post("/recommend/", json={"title": title})
        # answered while a hanging TMDb still held every lookup: the service gave up at its budget
        assert FakeTMDb.answered == (0 if mode == "hang" else len(FakeTMDb.requests))
    assert response.status_code == 200 and response.json()["recommendations"]
    posters = [f["poster_url"] for f in response.json()["recommendations"]]
    expected = f"https://image.tmdb.org/t/p/w342{poster}" if poster else None  # else the catalogue's own data
    assert posters == [expected] * len(posters)


# --------------------------------------------------------------------------- failing at start


@pytest.mark.parametrize("recommender, field", [("two-stage", "ranker_adapter_dir"), ("phase3", "adapter_dir")])
def test_missing_or_corrupt_adapter_fails_at_start(tmp_path, sample_data, recommender, field):
    """The adapter in use (the ranker, when the two-stage service orders with it) must load at start."""
    with pytest.raises(ModelSourceError, match="No LoRA adapter"):
        RecommendationService.load(Settings(dataset=str(sample_data), recommender=recommender,
                                            recommender_mode="two-stage", **{field: tmp_path / "none"}))
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    (corrupt / "adapter_config.json").write_text('{"peft_type": "LORA", "r": 8}')
    (corrupt / "adapter_model.safetensors").write_bytes(b"not safetensors")
    with pytest.raises(ModelSourceError, match="cannot be loaded"):
        RecommendationService.load(Settings(dataset=str(sample_data), recommender=recommender,
                                            recommender_mode="two-stage", **{field: corrupt}))


def test_corrupt_catalogue_fails_at_start(tmp_path):
    broken = tmp_path / "movies.parquet"
    broken.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(DatasetSourceError, match="Cannot read the dataset"):
        RecommendationService.load(Settings(dataset=str(broken)))


@pytest.mark.timeout(600)  # a start that does not fail would serve forever
def test_serve_with_a_missing_adapter_is_a_clear_cli_error(tmp_path, sample_data, capsys):
    code = main(["serve", "--ranking", "two-stage", "--ranker-adapter", str(tmp_path / "nothing"), "--dataset",
                 str(sample_data)])
    assert code == 2 and "No LoRA adapter" in capsys.readouterr().err
    code = main(["serve", "--recommender", "phase3", "--adapter", str(tmp_path / "nothing"), "--dataset",
                 str(sample_data)])
    assert code == 2 and "No LoRA adapter" in capsys.readouterr().err
