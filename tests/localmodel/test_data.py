"""Corpus discovery and deduplication, shards, stage mixtures and the resumable loader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.localmodel.pipeline_fixtures import SEQ_LEN, Pipeline, pipeline  # noqa: F401

np = pytest.importorskip("numpy")

from localmodel.data.corpus import (  # noqa: E402
    DedupStats,
    SourceSpec,
    default_sources,
    iter_corpus,
)
from localmodel.data.loader import IGNORE_INDEX, ShardLoader, validation_windows  # noqa: E402
from localmodel.data.mixture import mixture_from_dicts  # noqa: E402
from localmodel.data.shards import load_index  # noqa: E402
from specify.errors import ArtifactError, ConfigError  # noqa: E402


def _loader(p: Pipeline, rank: int = 0, world: int = 1, batch: int = 4) -> ShardLoader:
    return ShardLoader(p.data, p.recipe.mixture_for([]), batch, SEQ_LEN, rank, world, seed=5)


def test_duplicates_dropped(pipeline: Pipeline) -> None:  # noqa: F811
    stats = DedupStats()
    docs = list(iter_corpus(list(pipeline.sources), stats))
    assert stats.duplicates == 1
    assert len({d.text for d in docs}) == len(docs)


def test_jsonl_and_parquet_sources(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    (tmp_path / "a.jsonl").write_text('{"text": "one", "lang": "en"}\n\n{"text": "two"}\n')
    pq.write_table(pa.table({"content": ["three", "four"]}), tmp_path / "b.parquet")
    sources = [SourceSpec("j", tmp_path / "a.jsonl", "de"),
               SourceSpec("p", tmp_path / "b.parquet", text_field="content")]
    docs = list(iter_corpus(sources))
    assert [d.text for d in docs] == ["one", "two", "three", "four"]
    assert [d.lang for d in docs[:2]] == ["en", "de"]


def test_jsonl_without_text_rejected(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text('{"body": "x"}\n')
    with pytest.raises(ConfigError, match="a.jsonl:1"):
        list(iter_corpus([SourceSpec("j", tmp_path / "a.jsonl")]))


def test_default_corpus_is_local() -> None:
    names = [s.name for s in default_sources()]
    assert names == ["stdlib", "templates", "skills"]
    assert (default_sources()[0].path / "os.py").is_file()


def test_index_counts_sources(pipeline: Pipeline) -> None:  # noqa: F811
    index = load_index(pipeline.data)
    assert set(index["sources"]) == {"code", "prose"}
    assert index["seq_len"] == SEQ_LEN
    assert index["val"]["tokens"] > SEQ_LEN


def test_sequences_shuffled_once(pipeline: Pipeline) -> None:  # noqa: F811
    rows = np.load(pipeline.data / "code" / "train-00000.npy")
    chained = np.mean(rows[:-1, -1] == rows[1:, 0])
    assert rows.shape[1] == SEQ_LEN + 1
    assert chained < 0.2


def test_rebuild_into_existing_rejected(pipeline: Pipeline) -> None:  # noqa: F811
    from localmodel.data.shards import BuildOptions, build_dataset

    with pytest.raises(ArtifactError, match="already exists"):
        build_dataset(list(pipeline.sources), pipeline.tokenizer, pipeline.data,
                      BuildOptions(seq_len=SEQ_LEN))


def test_doc_ids_follow_bos(pipeline: Pipeline) -> None:  # noqa: F811
    inputs, labels, doc_ids = _loader(pipeline).next_batch(0)
    starts = inputs == 0
    assert inputs.shape == labels.shape == (4, SEQ_LEN)
    assert (doc_ids.diff(dim=1) == starts[:, 1:].long()).all()
    assert (labels[labels >= 0] != 0).all()
    # labels[:, :-1] equals inputs[:, 1:], so every ignored label is a BOS target.
    ignored = (labels == IGNORE_INDEX).sum()
    assert ignored == (inputs[:, 1:] == 0).sum() + (labels[:, -1] == IGNORE_INDEX).sum()


def test_ranks_read_disjoint_rows(pipeline: Pipeline) -> None:  # noqa: F811
    a = _loader(pipeline, 0, 2)
    b = _loader(pipeline, 1, 2)
    rows_a = {tuple(r.tolist()) for _ in range(3) for r in a.next_batch(0)[0]}
    rows_b = {tuple(r.tolist()) for _ in range(3) for r in b.next_batch(0)[0]}
    assert not rows_a & rows_b


def test_loader_state_resumes_exactly(pipeline: Pipeline) -> None:  # noqa: F811
    first = _loader(pipeline)
    for step in range(5):
        first.next_batch(step)
    state = json.loads(json.dumps(first.state_dict()))
    expected = [first.next_batch(s)[0] for s in range(5, 8)]
    resumed = _loader(pipeline)
    resumed.load_state_dict(state)
    for s, want in zip(range(5, 8), expected, strict=True):
        assert (resumed.next_batch(s)[0] == want).all()


def test_loader_wraps_into_next_epoch(pipeline: Pipeline) -> None:  # noqa: F811
    loader = _loader(pipeline, batch=16)
    prose_rows = load_index(pipeline.data)["sources"]["prose"]["sequences"]
    for step in range(40):
        loader.next_batch(step)
    assert loader.cursors["prose"].epoch >= 1
    assert loader.cursors["prose"].offset < prose_rows


def test_loader_rejects_other_world(pipeline: Pipeline) -> None:  # noqa: F811
    state = _loader(pipeline, 0, 2).state_dict()
    with pytest.raises(ConfigError, match="same number of processes"):
        _loader(pipeline).load_state_dict(state)


def test_loader_rejects_other_seq_len(pipeline: Pipeline) -> None:  # noqa: F811
    with pytest.raises(ConfigError, match="--seq-len"):
        ShardLoader(pipeline.data, pipeline.recipe.mixture_for([]), 4, SEQ_LEN * 2)


def test_stage_weights_switch_at_start(pipeline: Pipeline) -> None:  # noqa: F811
    mixture = pipeline.recipe.mixture
    assert mixture is not None
    assert mixture.stage_at(3).name == "stable"
    assert mixture.stage_at(4).name == "decay"
    assert mixture.stage_at(4).probabilities() == {"code": 0.5, "prose": 0.5}


def test_stage_must_start_at_zero() -> None:
    with pytest.raises(ConfigError, match="step 0"):
        mixture_from_dicts([{"name": "a", "start_step": 5, "weights": {"x": 1}}], "r.toml")


def test_stage_unknown_source_rejected(pipeline: Pipeline) -> None:  # noqa: F811
    mixture = mixture_from_dicts([{"weights": {"web": 1.0}}], "r.toml")
    with pytest.raises(ConfigError, match="web"):
        ShardLoader(pipeline.data, mixture, 4, SEQ_LEN)


def test_mixture_weights_drive_sampling(pipeline: Pipeline) -> None:  # noqa: F811
    mixture = mixture_from_dicts([{"weights": {"code": 1.0, "prose": 0.0}}], "r.toml")
    loader = ShardLoader(pipeline.data, mixture, 8, SEQ_LEN)
    loader.next_batch(0)
    assert loader.cursors["prose"].offset == 0
    assert loader.cursors["code"].offset == 8


def test_validation_windows_shape(pipeline: Pipeline) -> None:  # noqa: F811
    inputs, labels = validation_windows(pipeline.data, SEQ_LEN, 3)
    assert inputs.shape == (3, SEQ_LEN)
    assert (inputs[:, 1:] == labels[:, :-1]).all()
