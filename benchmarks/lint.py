"""Files per second of `kimi-conformance lint` over a generated tree (goal: >= 2,000 files/s).

Generates 10,000 small source/config files (a mix of clean code and planted mistakes) in a
temporary directory, plus a `node_modules` and a `.venv` that must be skipped, then times
`lint_paths` on one core. Run: /work/venv/bin/python benchmarks/lint.py [N_FILES]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from conformance.lint import lint_paths

TEMPLATES = {
    ".py": (
        'import os\nfrom openai import OpenAI\n\nclient = OpenAI(base_url="https://api.moonshot.ai/v1",'
        ' api_key=os.environ["MOONSHOT_API_KEY"])\n\n\ndef ask_{i}(prompt):\n'
        '    return client.chat.completions.create(\n        model="{model}",\n'
        '        messages=[{{"role": "user", "content": prompt}}],\n'
        "        temperature={t},\n    )\n"
    ),
    ".ts": (
        'import OpenAI from "openai";\n'
        'const c{i} = new OpenAI({{ baseURL: "https://api.moonshot.ai/v1" }});\n'
        'export const r{i} = c{i}.chat.completions.create({{ model: "{model}", top_p: 0.95 }});\n'
    ),
    ".yaml": "llm:\n  base_url: https://api.moonshot.ai/v1\n  model: {model}\n  temperature: {t}\n",
    ".json": '{{"name": "pkg{i}", "version": "1.0.{i}", "scripts": {{"test": "pytest"}}}}\n',
    ".toml": '[tool.app{i}]\nname = "app"\nlevel = {i}\n',
}
MODELS = ["kimi-k2.6", "kimi-k3", "moonshotai/kimi-k2.6", "kimi-latest", "kimi-k2.7-code"]


def build(root: Path, count: int) -> None:
    exts = list(TEMPLATES)
    for i in range(count):
        folder = root / f"pkg{i // 100:03d}"
        folder.mkdir(exist_ok=True)
        ext = exts[i % len(exts)]
        text = TEMPLATES[ext].format(i=i, model=MODELS[i % len(MODELS)], t=(0.6, 1.0, 1.3)[i % 3])
        (folder / f"mod{i}{ext}").write_text(text)
    for skipped in ("node_modules/dep", ".venv/lib/site-packages/dep"):
        folder = root / skipped
        folder.mkdir(parents=True)
        for i in range(1000):
            (folder / f"f{i}.js").write_text('const m = "kimi-latest";\n')


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        build(root, count)
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            result = lint_paths([root])
            best = min(best, time.perf_counter() - start)
        assert result.files_scanned == count, result.files_scanned  # skipped trees skipped
        print(f"files scanned:  {result.files_scanned} (node_modules/.venv: 2,000 files skipped)")
        print(f"findings:       {len(result.findings)}")
        print(f"best of 3:      {best:.3f} s")
        print(f"files/second:   {result.files_scanned / best:,.0f} (goal >= 2,000)")


if __name__ == "__main__":
    main()
