"""Train the search embedder: WordPiece tokenizer + StaticEmbedding, contrastive (in-batch negatives).

    python -m training.embeddings.train --out models/artifacts/embeddings/v1 --minutes 5

Documents: ../shared/data/vbpl (when present) + synthetic documents; a tenth of the documents is held
out, and the card reports title -> document retrieval on them, embedder vs BM25 (MRR@10).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import torch
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers
from tqdm import tqdm

from eval.search_queries import vbpl_corpus_path
from inference.search.bm25 import BM25
from inference.search.text import exact_tokens, folded_tokens
from inference.text import fold, normalize
from training.embeddings.corpus import TrainingDocument, mine_pairs, synthetic_documents, vbpl_documents
from training.wordpiece import train_wordpiece

REPO = Path(__file__).resolve().parents[2]
SCALE = 20.0
"""Cosine similarities times this are the logits of the in-batch softmax (MultipleNegativesRankingLoss)."""


def train_tokenizer(documents: list[TrainingDocument], vocab_size: int) -> Tokenizer:
    """WordPiece over syllables, trained on the texts with and without diacritics."""
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Sequence([normalizers.NFC(), normalizers.Lowercase()])
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Punctuation()])
    tokenizer.decoder = decoders.WordPiece()

    texts = [
        form for document in documents for text in [document.title, *document.passages]
        for form in (normalize(text), fold(text))
    ]
    return train_wordpiece(tokenizer, texts, vocab_size, ["[UNK]"])


def build_model(tokenizer: Tokenizer, dimension: int):
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import StaticEmbedding

    return SentenceTransformer(modules=[StaticEmbedding(tokenizer, embedding_dim=dimension)], device="cpu")


def embed(model, texts: list[str]) -> torch.Tensor:
    features = model.preprocess([normalize(t) for t in texts])
    return torch.nn.functional.normalize(model(features)["sentence_embedding"], dim=-1)


def train_model(model, pairs: list[tuple[str, str]], batch: int, lr: float, deadline: float,
                epochs: int, max_steps: int | None = None) -> list[float]:
    """In-batch-negative training for `epochs` over `pairs`, stopped at `max_steps` or the deadline."""
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    steps = min(epochs * (len(pairs) // batch), max_steps or epochs * len(pairs))
    progress = tqdm(total=steps, desc="embeddings", unit="batch")
    for step in range(steps):
        if time.monotonic() > deadline:
            break
        chunk = pairs[(step * batch) % (len(pairs) - batch + 1):][:batch]
        anchors, positives = embed(model, [a for a, _ in chunk]), embed(model, [p for _, p in chunk])
        logits = SCALE * anchors @ positives.T
        loss = torch.nn.functional.cross_entropy(logits, torch.arange(len(chunk)))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        progress.update()
        progress.set_postfix(loss=f"{np.mean(losses[-50:]):.3f}")
    progress.close()
    return losses


def mrr_at_10(ranked: list[list[int]]) -> float:
    """Query i's relevant item is item i."""
    return float(np.mean([1 / (r.index(i) + 1) if i in r[:10] else 0.0 for i, r in enumerate(ranked)]))


def held_out_metrics(model, documents: list[TrainingDocument]) -> dict[str, float]:
    """Title -> its document among the held-out documents (a document = its passages, best passage wins)."""
    documents = [d for d in documents if d.passages and d.title]
    owners = [i for i, d in enumerate(documents) for _ in d.passages]
    passages = [p for d in documents for p in d.passages]
    with torch.no_grad():
        passage_vectors = embed(model, passages).numpy()
        title_vectors = embed(model, [d.title for d in documents]).numpy()
    similarity = title_vectors @ passage_vectors.T
    dense = []
    for row in similarity:
        best: dict[int, float] = {}
        for owner, score in zip(owners, row.tolist(), strict=True):
            best[owner] = max(best.get(owner, -1.0), score)
        dense.append(sorted(best, key=best.__getitem__, reverse=True))
    bm25 = BM25()
    for pid, passage in enumerate(passages):
        bm25.add(pid, folded_tokens(exact_tokens(passage)))
    keyword = []
    for document in documents:
        best = {}
        for pid, score in bm25.scores(folded_tokens(exact_tokens(document.title))).items():
            best[owners[pid]] = max(best.get(owners[pid], 0.0), score)
        keyword.append(sorted(best, key=best.__getitem__, reverse=True))
    folded_dense = []
    with torch.no_grad():
        folded_titles = embed(model, [fold(d.title) for d in documents]).numpy()
    for row in folded_titles @ passage_vectors.T:
        best = {}
        for owner, score in zip(owners, row.tolist(), strict=True):
            best[owner] = max(best.get(owner, -1.0), score)
        folded_dense.append(sorted(best, key=best.__getitem__, reverse=True))
    return {"documents": len(documents), "dense_mrr10": round(mrr_at_10(dense), 4),
            "dense_mrr10_titles_without_diacritics": round(mrr_at_10(folded_dense), 4),
            "bm25_folded_mrr10": round(mrr_at_10(keyword), 4)}


def code_hash() -> str:
    digest = hashlib.sha256()
    sources = [*(REPO / "training" / "embeddings").glob("*.py"), *(REPO / "inference" / "search").glob("*.py")]
    for path in sorted(sources):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def file_hash(path: Path | None) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "models" / "artifacts" / "embeddings" / "v1")
    parser.add_argument("--minutes", type=float, default=5.0, help="wall-clock cap of the training loop")
    parser.add_argument("--steps", type=int, default=None,
                        help="step budget (a loaded machine trains the same model); default: the epochs")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--synthetic", type=int, default=1500)
    parser.add_argument("--vocab", type=int, default=20000)
    parser.add_argument("--dimension", type=int, default=256)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--lr", type=float, default=0.05)
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    started = time.monotonic()
    rng = random.Random(args.seed)
    source = vbpl_corpus_path()
    real = list(vbpl_documents(source)) if source else []
    synthetic = list(tqdm(synthetic_documents(args.synthetic, args.seed), total=args.synthetic, desc="synthetic"))
    rng.shuffle(real)
    held_out = real[: len(real) // 10] or synthetic[: len(synthetic) // 10]
    training = real[len(real) // 10 :] + (synthetic if real else synthetic[len(synthetic) // 10 :])
    tokenizer = train_tokenizer(training, args.vocab)
    model = build_model(tokenizer, args.dimension)
    pairs = mine_pairs(training, rng)
    losses = train_model(model, pairs, args.batch, args.lr, time.monotonic() + args.minutes * 60, args.epochs,
                         args.steps)
    model.eval()
    metrics = held_out_metrics(model, held_out)
    args.out.mkdir(parents=True, exist_ok=True)
    model.save(str(args.out))
    card = {
        "name": "vanthu-static-embeddings",
        "version": args.out.name,
        "task": "Vietnamese query/passage -> unit vector for semantic search (inference.search.embedders)",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "model": {"architecture": "sentence-transformers StaticEmbedding (mean of token vectors) over a WordPiece "
                                  "tokenizer trained here", "vocab": tokenizer.get_vocab_size(),
                  "dimension": args.dimension},
        "data": {"vbpl": str(source.relative_to(source.parents[2])) if source else None,
                 "vbpl_sha256": file_hash(source), "vbpl_documents": len(real),
                 "synthetic_documents": args.synthetic, "held_out_documents": len(held_out),
                 "pairs": len(pairs), "pair_kinds": "title<->passage, word run<->rest of its passage; anchors "
                 "folded 30% / typo 10%; no evaluation query was used"},
        "params": {k: v for k, v in vars(args).items() if k != "out"} | {"scale": SCALE},
        "training": {"steps": len(losses), "final_loss": round(float(np.mean(losses[-50:])), 4) if losses else None,
                     "seconds": round(time.monotonic() - started, 1), "threads": 1},
        "metrics_held_out_title_to_document": metrics,
        "code_sha256": code_hash(),
    }
    (args.out / "card.json").write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(card["metrics_held_out_title_to_document"] | card["training"], indent=2))


if __name__ == "__main__":
    main()
