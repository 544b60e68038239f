"""The clarify stage: ask one question at a time and write each answer into spec.md at once.

With no terminal, the questions go to ``clarify-questions.json`` in the feature folder and the
run exits with status 3; ``specify run clarify --answers FILE`` then applies the answers. The
answers file is either that questions file with an ``answer`` (an option label or free text)
added to each question, or ``{"answers": [{"question": ..., "answer": ...}]}``.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from pathlib import Path
from typing import Any

from runtime.runs import RunRecord
from specify.errors import ArtifactError
from specify.fsutil import atomic_write_bytes, atomic_write_text, locked
from specify.project import Resolved
from specify.stages import models
from specify.stages.inputs import StageInputs

QUESTIONS_FILE = "clarify-questions.json"
MARKER = re.compile(r"\[NEEDS CLARIFICATION:\s*([^\]]*)\]")


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 2}


def _matching_marker(spec: str, question: str) -> re.Match[str] | None:
    """Return the marker whose words overlap the question most (at least half of the marker)."""
    best, best_score = None, 0.0
    for match in MARKER.finditer(spec):
        marker_words = _words(match.group(1))
        if not marker_words:
            continue
        score = len(marker_words & _words(question)) / len(marker_words)
        if score > best_score:
            best, best_score = match, score
    return best if best_score >= 0.5 else None


def apply_answer(spec_path: Path, question: str, answer: str, today: str | None = None) -> None:
    """Record ``question`` and ``answer`` under ## Clarifications and resolve its marker."""
    today = today or _dt.date.today().isoformat()
    with locked(spec_path):
        data = spec_path.read_bytes()
        bom = data.startswith(b"\xef\xbb\xbf")
        text = data.decode("utf-8-sig")
        newline = "\r\n" if "\r\n" in text else "\n"
        text = text.replace("\r\n", "\n")
        marker = _matching_marker(text, question)
        if marker:
            text = text[: marker.start()] + answer + text[marker.end():]
        entry = f"- Q: {question} → A: {answer}"
        session = f"### Session {today}"
        if "## Clarifications" not in text:
            anchor = re.search(r"^## ", text, re.M)
            block = f"## Clarifications\n\n{session}\n\n{entry}\n\n"
            text = text[: anchor.start()] + block + text[anchor.start():] if anchor else text + "\n" + block
        elif session not in text:
            text = re.sub(r"^## Clarifications[ \t]*\n", f"## Clarifications\n\n{session}\n\n{entry}\n", text, count=1, flags=re.M)
        else:
            start = text.index(session) + len(session)
            following = re.search(r"^#{2,3} ", text[start:], re.M)
            end = start + following.start() if following else len(text)
            body = text[start:end].rstrip("\n")
            text = text[:start] + body + f"\n{entry}\n\n" + text[end:].lstrip("\n")
        encoded = text.replace("\n", newline).encode("utf-8")
        atomic_write_bytes(spec_path, (b"\xef\xbb\xbf" if bom else b"") + encoded)


def _resolve_choice(question: dict[str, Any], answer: str) -> str:
    for option in question.get("options", []):
        if answer.strip().upper() == option.get("label"):
            return option["answer"]
    return answer.strip()


def handle_questions(inputs: StageInputs, out: models.ClarifyOutput, options: Any, record: RunRecord, result: Any) -> None:
    spec_path = inputs.feature_dir / "spec.md"
    questions = [q.model_dump() for q in out.questions]
    result.details["questions"] = questions
    if not questions:
        result.status, result.message = "ok", "No ambiguities found; spec.md unchanged."
        return
    if not options.interactive or options.ask is None:
        from specify.stages.runner import ClarifyPendingError

        target = inputs.feature_dir / QUESTIONS_FILE
        atomic_write_text(target, json.dumps({"questions": questions}, indent=2, ensure_ascii=False) + "\n")
        result.files = [target.relative_to(inputs.root).as_posix()]
        result.status, result.message = "pending", f"{len(questions)} questions written to {target}"
        record.finish("pending", result.message, result.files)
        raise ClarifyPendingError(
            f"No terminal to ask in: {len(questions)} questions were written to {target}.",
            f"Add an \"answer\" to each and run: specify run clarify --answers {target}",
        )
    for question in questions:
        labels = [o["label"] for o in question["options"]]
        lines = [f"{o['label']}) {o['answer']}" for o in question["options"]]
        reply = options.ask(question["question"] + "\n" + "\n".join(lines), labels, question["recommended"])
        answer = _resolve_choice(question, reply)
        apply_answer(spec_path, question["question"], answer)
        record.event("clarify_answer", question=question["question"], answer=answer)
    result.files = [spec_path.relative_to(inputs.root).as_posix()]
    result.status, result.message = "ok", f"{len(questions)} answers written to spec.md"


def apply_answers_file(root: Path, feature: Resolved | None, answers_path: Path) -> Any:
    from specify.stages.runner import RunResult

    assert feature is not None
    try:
        data = json.loads(Path(answers_path).read_text(encoding="utf-8-sig"))
    except FileNotFoundError as exc:
        raise ArtifactError(f"Answers file not found: {answers_path}.", "Pass the clarify-questions.json you filled in.") from exc
    except json.JSONDecodeError as exc:
        raise ArtifactError(f"{answers_path} is not valid JSON: {exc}.", "Fix the JSON and run again.") from exc
    items = data.get("answers") or data.get("questions") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ArtifactError(f"{answers_path} has no 'answers' or 'questions' list.",
                            'Use {"answers": [{"question": "...", "answer": "..."}]}.')
    spec_path = feature.path / "spec.md"
    if not spec_path.is_file():
        raise ArtifactError(f"{spec_path} does not exist.", "Run `specify run specify` first.")
    pending = [item for item in items if isinstance(item, dict) and str(item.get("answer") or "").strip()]
    skipped = len(items) - len(pending)
    if not pending:
        raise ArtifactError(f"No question in {answers_path} has an answer.", 'Add an "answer" to each question.')
    for item in pending:
        apply_answer(spec_path, str(item.get("question", "")).strip(), _resolve_choice(item, str(item["answer"])))
    message = f"{len(pending)} answers written to spec.md"
    if skipped:
        message += f"; {skipped} without an answer were skipped"
    return RunResult(None, "clarify", "ok", message, [spec_path.relative_to(root).as_posix()],
                     feature_dir=str(feature.path))
