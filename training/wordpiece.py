"""WordPiece vocabularies trained with the `tokenizers` library, made deterministic.

Its trainer gives the continuing-subword tokens ("##a") their ids in hash-map order, and those ids break ties
between merges of equal count, so the same texts give another vocabulary from one process to the next
(huggingface/tokenizers#1794; the fix, #2066, is not released). Registering every continuing token up front,
sorted, with the special tokens fixes their ids, and so the merges. They are in the vocabulary either way;
"##" never occurs in the texts, so matching them as added tokens changes no encoding.
"""

from __future__ import annotations

from tokenizers import Tokenizer, trainers

CONTINUING_PREFIX = "##"


def continuing_tokens(tokenizer: Tokenizer, texts: list[str]) -> list[str]:
    """"##" + every character that follows another in a word, the words split as the tokenizer splits them."""
    characters: set[str] = set()
    for text in texts:
        normalized = tokenizer.normalizer.normalize_str(text) if tokenizer.normalizer else text
        for word, _ in tokenizer.pre_tokenizer.pre_tokenize_str(normalized):
            characters.update(word[1:])
    return [CONTINUING_PREFIX + character for character in sorted(characters)]


def train_wordpiece(tokenizer: Tokenizer, texts: list[str], vocab_size: int, special_tokens: list[str]) -> Tokenizer:
    """Train `tokenizer` (a WordPiece model with its normalizer and pre-tokenizer set) on `texts`, in place."""
    trainer = trainers.WordPieceTrainer(
        vocab_size=vocab_size,
        min_frequency=2,
        special_tokens=[*special_tokens, *continuing_tokens(tokenizer, texts)],
        continuing_subword_prefix=CONTINUING_PREFIX,
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer)
    return tokenizer
