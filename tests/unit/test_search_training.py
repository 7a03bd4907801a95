"""Training the search embedder: pairs mined from documents, a tiny model trained for seconds."""

from __future__ import annotations

import random
import time

import torch

from inference.text import fold
from training.embeddings.corpus import as_typed, mine_pairs, synthetic_documents
from training.embeddings.train import build_model, embed, held_out_metrics, train_model, train_tokenizer


def test_a_tiny_embedder_learns_to_match_titles_with_their_passages() -> None:
    torch.manual_seed(0)
    documents = list(synthetic_documents(40, seed=1))
    pairs = mine_pairs(documents, random.Random(0))
    assert pairs and all(anchor and positive for anchor, positive in pairs)
    titles = {d.title for d in documents}
    assert any(anchor in titles or fold(anchor) in {fold(t) for t in titles} for anchor, _ in pairs)

    model = build_model(train_tokenizer(documents, vocab_size=800), dimension=32)
    losses = train_model(model, pairs, batch=32, lr=0.05, deadline=time.monotonic() + 60, epochs=3)

    assert len(losses) >= 10 and sum(losses[-5:]) / 5 < sum(losses[:5]) / 5
    with torch.no_grad():
        vectors = embed(model, [documents[0].title, documents[0].passages[0]])
    assert torch.allclose(vectors.norm(dim=1), torch.ones(2), atol=1e-4)
    metrics = held_out_metrics(model, documents[:10])
    assert metrics["documents"] == 10 and 0 < metrics["dense_mrr10"] <= 1


def test_typed_anchors_are_sometimes_folded() -> None:
    rng = random.Random(0)
    typed = [as_typed("Quyết định về lưu trữ", rng) for _ in range(50)]

    assert "quyet dinh ve luu tru" in typed and "Quyết định về lưu trữ" in typed
