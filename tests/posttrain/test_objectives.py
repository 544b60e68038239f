"""Loss and reward formulas of DPO, APO-zero and GRPO on hand-checked numbers."""

from __future__ import annotations

import math

import pytest
import torch

from localmodel.posttrain.dpo import preference_loss
from localmodel.posttrain.grpo import group_advantages, overlong_penalty


def test_sigmoid_loss_matches_formula() -> None:
    chosen, rejected = torch.tensor([0.3]), torch.tensor([-0.2])
    expected = -math.log(1 / (1 + math.exp(-0.5)))
    assert preference_loss(chosen, rejected, "sigmoid").item() == pytest.approx(expected)


def test_apo_zero_matches_formula() -> None:
    chosen, rejected = torch.tensor([0.3]), torch.tensor([-0.2])
    sig = lambda x: 1 / (1 + math.exp(-x))  # noqa: E731
    expected = (1 - sig(0.3)) + sig(-0.2)
    assert preference_loss(chosen, rejected, "apo_zero").item() == pytest.approx(expected)


def test_apo_zero_pushes_chosen_up() -> None:
    chosen = torch.tensor([0.0], requires_grad=True)
    preference_loss(chosen, torch.tensor([0.0]), "apo_zero").backward()
    assert chosen.grad.item() < 0


@pytest.mark.parametrize("length, penalty", [(10, 0.0), (24, 0.0), (28, -0.5), (32, -1.0), (40, -1.0)])
def test_overlong_penalty_is_soft(length: int, penalty: float) -> None:
    assert overlong_penalty(length, limit=32, buffer=8) == pytest.approx(penalty)


def test_advantages_are_group_relative() -> None:
    advantages = group_advantages([1.0, 0.0, 0.0, 1.0])
    assert sum(advantages) == pytest.approx(0.0)
    assert advantages[0] == pytest.approx(1.0, abs=1e-3)


def test_equal_rewards_give_no_advantage() -> None:
    assert group_advantages([0.5, 0.5, 0.5]) == [0.0, 0.0, 0.0]


def test_no_think_reasoning_is_penalised() -> None:
    from localmodel.data.synthetic.records import ChatRecord
    from localmodel.posttrain.grpo import completion_reward
    from localmodel.posttrain.recipe import GRPOConfig

    record = ChatRecord(messages=[{"role": "system", "content": "/no_think"},
                                  {"role": "user", "content": "What is 2 + 2?"},
                                  {"role": "assistant", "content": "4"}],
                        mode="no_think", verifier={"kind": "number", "value": 4})
    cfg = GRPOConfig(no_think_max_tokens=16, overlong_buffer=4)
    short = completion_reward(record, "4", 2, cfg)
    long = completion_reward(record, "<think>\n2 + 2 = 4 because ...\n</think>\n4", 20, cfg)
    assert short["reward"] == 1.0
    assert long["overlong"] == -1.0
    assert long["think_penalty"] == -1.0
