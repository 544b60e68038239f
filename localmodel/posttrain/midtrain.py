"""Mid-training: continued pretraining from a base run on reasoning traces.

It is pretraining with a different starting point and mixture: the recipe is an ordinary
pretraining recipe (``posttrain-midtrain.toml``) whose ``[[stages]]`` weight a
``reasoning`` source, the think-form training chats rendered with the chat template
(``traces.jsonl`` of ``specify model data synth``). Packing, schedule, checkpoints,
resuming and torchrun work as in pretraining; the loop only loads the base weights before
the first step, and the model shape and tokenizer come from the base.

Stage weights may name the default corpus sources (``stdlib``, ``templates``, ``skills``)
without listing them under ``[[data.sources]]``; they are added, so general text stays in
the mixture and the model does not forget it.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

from localmodel.train.recipe import Recipe

logger = logging.getLogger(__name__)

REASONING_SOURCE = "reasoning"


def midtrain_recipe(recipe: Recipe, base: Path, traces: Path | None) -> Recipe:
    """Return ``recipe`` with the base's model shape, the traces path and any default sources."""
    from localmodel.config import ModelConfig
    from localmodel.data.corpus import default_sources
    from localmodel.train.checkpoint import CONFIG_FILE

    sources = list(recipe.data.sources)
    if traces is not None:
        sources = [s for s in sources if s.name != REASONING_SOURCE]
        sources.append(dataclasses.replace(_reasoning_spec(recipe), path=traces.resolve()))
    named = {s.name for s in sources}
    wanted = {name for stage in (recipe.mixture.stages if recipe.mixture else ())
              for name in stage.weights}
    sources.extend(s for s in default_sources() if s.name in wanted - named)
    model = ModelConfig.load(base / CONFIG_FILE)
    data = dataclasses.replace(recipe.data, sources=tuple(sources))
    return dataclasses.replace(recipe, model=model, data=data)


def _reasoning_spec(recipe: Recipe):  # noqa: ANN202 - SourceSpec
    from localmodel.data.corpus import SourceSpec

    for spec in recipe.data.sources:
        if spec.name == REASONING_SOURCE:
            return spec
    return SourceSpec(REASONING_SOURCE, Path("traces.jsonl"), "en", text_field="text")


def _loop_class():  # noqa: ANN202 - a TrainingLoop subclass, built lazily (torch import)
    from torch.distributed.checkpoint.state_dict import StateDictOptions, set_model_state_dict

    from localmodel.train.checkpoint import latest_checkpoint, load_for_export
    from localmodel.train.loop import TrainingLoop

    class MidTrainLoop(TrainingLoop):
        base: Path

        def resume(self) -> None:
            if latest_checkpoint(self.run_dir) is None:
                _, state, _ = load_for_export(self.base)
                set_model_state_dict(self.model, state,
                                     options=StateDictOptions(full_state_dict=True))
                logger.info("mid-training starts from %s", self.base)
            super().resume()

    return MidTrainLoop


def midtrain(run_dir: Path, recipe: Recipe, base: Path, traces: Path | None = None,
             device: str | None = None, progress_bar: bool = True) -> dict[str, Any]:
    """Continue pretraining ``base`` on ``recipe``'s mixture into ``run_dir`` (resuming)."""
    from localmodel.train.checkpoint import TOKENIZER_FILE
    from localmodel.train.distributed import init_distributed, shutdown_distributed
    from localmodel.train.run import prepare_run

    recipe = midtrain_recipe(recipe, base, traces)
    info = init_distributed(device)
    try:
        if info.is_main:
            prepare_run(run_dir, recipe, base / TOKENIZER_FILE)
        if info.distributed:
            import torch.distributed as dist

            dist.barrier()
        loop = _loop_class()(run_dir, recipe, info, progress_bar)
        loop.base = base
        summary = loop.run()
    finally:
        shutdown_distributed()
    summary.pop("losses", None)
    return {"run": str(run_dir), "base": str(base), **summary}
