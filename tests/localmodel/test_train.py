"""Optimizer groups, schedules, a tiny run end to end, resume and gradient accumulation."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.localmodel.pipeline_fixtures import Pipeline, pipeline, read_jsonl  # noqa: F401

torch = pytest.importorskip("torch")

from localmodel.config import ModelConfig  # noqa: E402
from localmodel.model import build_model  # noqa: E402
from localmodel.train.checkpoint import latest_checkpoint, load_for_export  # noqa: E402
from localmodel.train.distributed import DistInfo  # noqa: E402
from localmodel.train.optim import build_optimizer, lr_factor, param_groups  # noqa: E402
from localmodel.train.pretrain import MicroBatch, optimizer_step, train  # noqa: E402
from localmodel.train.recipe import TrainConfig, load_recipe, recipe_path_for_preset  # noqa: E402
from specify.errors import ConfigError  # noqa: E402

CPU = DistInfo(0, 0, 1, torch.device("cpu"))


@pytest.fixture(autouse=True)
def _threads() -> None:
    torch.set_num_threads(1)


def _train(p: Pipeline, run: Path, stop_at: int | None = None, **changes: object) -> dict:
    recipe = p.recipe.with_changes(train=changes) if changes else p.recipe
    return train(run, recipe, p.tokenizer, p.data, "cpu", progress_bar=False, stop_at=stop_at)


def test_no_decay_on_embeddings_and_norms() -> None:
    model = build_model(ModelConfig(tie_embeddings=False))
    decay, no_decay = param_groups(model, 0.1)
    decay_ids = {id(p) for p in decay["params"]}
    assert id(model.model.embed_tokens.weight) not in decay_ids
    assert id(model.lm_head.weight) not in decay_ids
    assert id(model.model.norm.weight) not in decay_ids
    assert id(model.model.layers[0].mlp.up_proj.weight) in decay_ids
    assert no_decay["weight_decay"] == 0.0


def test_tied_weight_counted_once() -> None:
    model = build_model(ModelConfig())
    groups = param_groups(model, 0.1)
    total = sum(p.numel() for g in groups for p in g["params"])
    assert total == ModelConfig().n_params()


def test_wsd_schedule_shape() -> None:
    cfg = TrainConfig(max_steps=100, warmup_steps=10, decay_fraction=0.2)
    factors = [lr_factor(s, cfg) for s in range(100)]
    assert factors[0] == pytest.approx(0.1)
    assert factors[9] == 1.0
    assert set(factors[10:80]) == {1.0}
    assert factors[90] == pytest.approx(0.45)
    assert factors[99] == 0.0


def test_cosine_schedule_ends_at_floor() -> None:
    cfg = TrainConfig(max_steps=50, warmup_steps=5, schedule="cosine", min_lr_ratio=0.1)
    assert lr_factor(5, cfg) == pytest.approx(1.0)
    assert lr_factor(49, cfg) == pytest.approx(0.1, abs=0.01)


def test_adamw_settings() -> None:
    opt = build_optimizer(build_model(ModelConfig()), TrainConfig())
    assert opt.defaults["betas"] == (0.9, 0.95)
    assert opt.defaults["eps"] == 1e-8


def test_accumulation_equals_full_batch() -> None:
    """Two micro-batches of 4 take the same step as one batch of 8."""
    cfg = ModelConfig(vocab_size=300, hidden_size=32, n_layers=2, n_heads=4, n_kv_heads=2,
                      ffn_size=64)
    ids = torch.randint(0, 300, (8, 17), generator=torch.Generator().manual_seed(1))
    results = []
    for splits in (1, 2):
        model = build_model(cfg, seed=2)
        train_cfg = TrainConfig(global_batch=8, micro_batch=8 // splits)
        opt = build_optimizer(model, train_cfg)
        micro = [MicroBatch(c[:, :-1], c[:, 1:], None) for c in ids.chunk(splits)]
        optimizer_step(model, opt, micro, train_cfg, CPU, 1e-2)
        results.append(model.state_dict())
    diff = max((results[0][k] - results[1][k]).abs().max().item() for k in results[0])
    assert diff < 2e-5


def test_tiny_run_writes_artifacts(pipeline: Pipeline, tmp_path: Path) -> None:  # noqa: F811
    summary = _train(pipeline, tmp_path / "run")
    run = tmp_path / "run"
    train_rows = [r for r in read_jsonl(run / "metrics.jsonl") if r["kind"] == "train"]
    assert [r["step"] for r in train_rows] == [1, 2, 3, 4, 5, 6]
    assert {"tokens_per_s", "step_s", "data_wait_s", "tflops", "mfu", "spike"} <= set(train_rows[0])
    assert [r["stage"] for r in train_rows] == ["stable"] * 4 + ["decay"] * 2
    assert summary["val_bpb"] > 0
    assert (run / "loss.png").stat().st_size > 0
    assert latest_checkpoint(run).name == "step_0000006"


def test_loss_falls_over_training(pipeline: Pipeline, tmp_path: Path) -> None:  # noqa: F811
    summary = _train(pipeline, tmp_path / "run", max_steps=30, lr=1e-2, eval_every=30,
                     checkpoint_every=30)
    losses = summary["losses"]
    assert sum(losses[-5:]) / 5 < losses[0] - 0.5


def test_resume_repeats_loss_curve(pipeline: Pipeline, tmp_path: Path) -> None:  # noqa: F811
    straight = _train(pipeline, tmp_path / "a")["losses"]
    _train(pipeline, tmp_path / "b", stop_at=3)
    resumed = _train(pipeline, tmp_path / "b")["losses"]
    assert resumed == straight[3:]


def test_export_state_uses_smollm3_names(pipeline: Pipeline, tmp_path: Path) -> None:  # noqa: F811
    _train(pipeline, tmp_path / "run", max_steps=3)
    config, state, tokenizer = load_for_export(tmp_path / "run")
    assert config == pipeline.recipe.model
    assert "lm_head.weight" in state
    assert "model.layers.3.mlp.down_proj.weight" in state
    assert tokenizer.name == "tokenizer.json"


def test_other_recipe_in_run_rejected(pipeline: Pipeline, tmp_path: Path) -> None:  # noqa: F811
    _train(pipeline, tmp_path / "run", max_steps=3)
    other = pipeline.recipe.with_changes(model={"n_layers": 2})
    with pytest.raises(ConfigError, match="different recipe"):
        train(tmp_path / "run", other, pipeline.tokenizer, pipeline.data, "cpu")


def test_spike_detector_flags_jump() -> None:
    from localmodel.train.metrics import SpikeDetector

    detector = SpikeDetector(factor=2.0, warmup=3)
    flags = [detector.update(x) for x in [5.0, 4.9, 4.8, 4.7, 4.6, 12.0, 4.5, float("nan")]]
    assert flags == [False] * 5 + [True, False, True]


def test_bundled_recipes_load() -> None:
    for preset in ("cpu-tiny", "gpu-45m", "smollm2-135m", "smollm3-3b"):
        recipe = load_recipe(recipe_path_for_preset(preset))
        assert recipe.name == preset


def test_recipe_typo_names_key(tmp_path: Path) -> None:
    path = tmp_path / "r.toml"
    path.write_text('[train]\nmax_step = 3\n')
    with pytest.raises(ConfigError, match="max_step"):
        load_recipe(path)


def test_global_batch_must_split(pipeline: Pipeline, tmp_path: Path) -> None:  # noqa: F811
    from localmodel.train.pretrain import grad_accum_steps

    with pytest.raises(ConfigError, match="not a multiple"):
        grad_accum_steps(TrainConfig(global_batch=8, micro_batch=4), world=3)


def test_max_steps_caps_warmup() -> None:
    from localmodel.service import resolve_recipe

    recipe = resolve_recipe(None, "cpu-tiny", 20)
    assert recipe.train.max_steps == 20
    assert recipe.train.warmup_steps == 2
