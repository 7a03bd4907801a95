"""training.wordpiece: the same texts give the same vocabulary, every time (tokenizers#1794)."""

from __future__ import annotations

from tokenizers import Tokenizer, models, pre_tokenizers

from training.kie.tokenizer import train_tokenizer
from training.wordpiece import continuing_tokens, train_wordpiece

TEXTS = ["Wel come to the 🤗 Tok en izers libr ary.", "ubnd qđ ubnd tỉnh huyện xã phường thị trấn"] * 2


def vocabulary() -> str:
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    return train_wordpiece(tokenizer, TEXTS, 200, ["[UNK]"]).to_str()


def test_the_same_texts_give_the_same_vocabulary() -> None:
    # The library's own trainer gave two vocabularies in 100 runs of the first text alone (issue #1794).
    assert len({vocabulary() for _ in range(100)}) == 1


def test_continuing_tokens_follow_the_tokenizers_own_split() -> None:
    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    assert continuing_tokens(tokenizer, ["số: 12/qđ"]) == ["##2", "##đ", "##ố"]  # ":" and "/" stand alone


def test_the_taggers_tokenizer_is_reproducible() -> None:
    texts = ["quyết định về việc ban hành quy chế", "ủy ban nhân dân xã tiên dược"] * 3
    assert train_tokenizer(texts, 300, with_vbpl=False).to_str() == train_tokenizer(texts, 300, with_vbpl=False).to_str()
