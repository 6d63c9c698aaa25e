"""Collect the Vietnamese text the OCR correction's language model is counted from.

    python tools/vi_text.py > ocr/data/vi_text.txt

Sources, all written for this project: the string literals holding Vietnamese in the document
generator, benchmarks and tests listed in SOURCES, the values and keys of the classification
vocabulary, and `ocr/data/vi_written.txt` (sentences written for the model). Never the dev
corpus (`shared/corpus`): that is the evaluation set of `bench/ocr_quality.py`.
"""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
# samples/make_samples.py is left out on purpose: the six samples are the development set the
# correction is checked on before it is measured on the dev corpus.
SOURCES = ["tools/docgen.py", "bench/search_corpus.py", "tests/scans.py", "tests/test_docgen.py"]
_VI = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.I)


def literals(path: Path) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value.strip()
            if _VI.search(text) and " " in text:
                out.extend(line.strip() for line in text.replace("|", "\n").splitlines()
                           if line.strip())
    return out


def toml_strings(path: Path) -> list[str]:
    out: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                if _VI.search(k):
                    out.append(k)
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif isinstance(value, str) and _VI.search(value):
            out.append(value)

    walk(tomllib.loads(path.read_text(encoding="utf-8")))
    return out


def main() -> int:
    lines: list[str] = []
    for rel in SOURCES:
        lines.extend(literals(REPO / rel))
    lines.extend(toml_strings(REPO / "classification" / "data" / "vocabulary.toml"))
    written = (REPO / "ocr" / "data" / "vi_written.txt").read_text(encoding="utf-8")
    lines.extend(ln for ln in written.splitlines() if ln.strip() and not ln.startswith("#"))
    from ocr.syllables import is_syllable

    seen = set()
    for line in lines:
        words = re.findall(r"[^\W\d_]+", line)
        if not words or sum(map(is_syllable, words)) < 0.8 * len(words):
            continue  # an English docstring or a code that happens to hold a Vietnamese word
        if line not in seen:
            seen.add(line)
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
