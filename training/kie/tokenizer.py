"""The tagger's WordPiece tokenizer, trained here on folded text (lower case, no marks, as the tagger
reads words): the synthetic pages, plus the vbpl legal texts of ../shared when present."""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

from tokenizers import Tokenizer, models, pre_tokenizers

from eval.datasets import shared_dir
from inference.kie.model import SPECIAL_TOKENS, UNK
from inference.text import fold
from training.wordpiece import train_wordpiece

VBPL_DOCUMENTS = 300


def vbpl_texts(limit: int = VBPL_DOCUMENTS) -> Iterator[str]:
    shared = shared_dir()
    path = shared / "data" / "vbpl" / "vbpl_fulltext.jsonl" if shared else None
    if path is None or not path.is_file():
        return
    with path.open(encoding="utf-8") as lines:
        for line in islice(lines, limit):
            yield fold(json.loads(line).get("text") or "")


def train_tokenizer(texts: list[str], vocab_size: int, with_vbpl: bool = True) -> Tokenizer:
    tokenizer = Tokenizer(models.WordPiece(unk_token=UNK, max_input_chars_per_word=40))
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    corpus = [fold(t) for t in texts] + (list(vbpl_texts()) if with_vbpl else [])
    return train_wordpiece(tokenizer, corpus, vocab_size, list(SPECIAL_TOKENS))


def save(tokenizer: Tokenizer, path: Path) -> None:
    tokenizer.save(str(path))
