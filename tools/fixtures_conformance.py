#!/usr/bin/env python3
"""Regenerates Tests/ScriptTests/Conformance/*.expected by running each snippet under CPython 3.11.

Each `NN_name.py` snippet is valid Python inside dsh's subset; its stdout under CPython is the
expected output that ScriptTests compares dsh's output with, byte for byte.

    python3 tools/fixtures_conformance.py
"""
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
FOLDER = ROOT / "Tests" / "ScriptTests" / "Conformance"


def main() -> int:
    if sys.version_info[:2] != (3, 11):
        print(f"warning: expected CPython 3.11, running {sys.version.split()[0]}", file=sys.stderr)
    failures = 0
    reference = ROOT / ".venv-ref" / "bin" / "python"
    for snippet in sorted(FOLDER.glob("*.py")):
        # Snippets that use the libraries dsh mirrors run under the pinned PyTorch/diffusers venv.
        text = snippet.read_text()
        needs_torch = any(f"import {m}" in text or f"from {m}" in text for m in ("torch", "diffusers", "numpy", "PIL"))
        if needs_torch and not reference.exists():
            print(f"{snippet.name}: needs {reference} (torch 2.15.0, diffusers 0.42.1); skipped", file=sys.stderr)
            failures += 1
            continue
        python = str(reference) if needs_torch else sys.executable
        result = subprocess.run([python, snippet.name], cwd=FOLDER, capture_output=True, text=True, timeout=300)
        if result.returncode != 0:
            print(f"{snippet.name}: exit {result.returncode}\n{result.stderr}", file=sys.stderr)
            failures += 1
            continue
        snippet.with_suffix(".expected").write_text(result.stdout)
        print(f"wrote {snippet.with_suffix('.expected').name}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
