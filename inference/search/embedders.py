"""Text -> unit vectors, behind a registry so a deployment can swap the model by configuration.

`sentence-transformers` loads any sentence-transformers model directory: by default the static
embedding trained here (models/artifacts/embeddings/v1, training/embeddings), or e.g. a stronger
Vietnamese bi-encoder a deployment keeps locally. Nothing is ever downloaded.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np

from inference.registry import Registry

DEFAULT_EMBEDDINGS = Path(__file__).resolve().parents[2] / "models" / "artifacts" / "embeddings" / "v1"
ENCODE_BATCH = 256


class Embedder(Protocol):
    name: str
    dimension: int

    def encode(self, texts: list[str]) -> np.ndarray:
        """float32 array (len(texts), dimension), rows of unit length. Texts come normalised
        (`inference.text.normalize`), as the model was trained on them."""
        ...


EMBEDDERS: Registry[Embedder] = Registry("embedder")


class SentenceTransformerEmbedder:
    def __init__(self, path: Path):
        if not (path / "modules.json").is_file():
            raise ValueError(
                f"no sentence-transformers model at {path}; train one with "
                "`python -m training.embeddings.train --out models/artifacts/embeddings/v1`"
            )
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        self.name = path.name if path != DEFAULT_EMBEDDINGS else "vanthu-static-v1"
        self.dimension = int(self.model.get_embedding_dimension())

    def encode(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            texts, batch_size=ENCODE_BATCH, normalize_embeddings=True,
            convert_to_numpy=True, show_progress_bar=False,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


@EMBEDDERS.register("sentence-transformers")
def _sentence_transformers(path: Path | str | None = None) -> Embedder:
    return SentenceTransformerEmbedder(Path(path) if path else DEFAULT_EMBEDDINGS)
