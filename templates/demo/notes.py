"""A tiny note-taking program used by `specify demo`."""

import json
import sys
from pathlib import Path

STORE = Path("notes.json")


def load() -> list[dict]:
    return json.loads(STORE.read_text()) if STORE.exists() else []


def add(text: str) -> None:
    notes = load()
    notes.append({"id": len(notes) + 1, "text": text})
    STORE.write_text(json.dumps(notes, indent=2))


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "add":
        add(" ".join(sys.argv[2:]))
    for note in load():
        print(f"{note['id']}: {note['text']}")
