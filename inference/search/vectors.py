"""FAISS vector indexes with integer ids: add (= replace), remove, search, (de)serialise.

Kinds (registry `VECTOR_INDEXES`): `flat` is exact (IndexIDMap2 over IndexFlatIP), right while an
index is small; `ivf` is an inverted file (IndexIVFFlat, inner product) trained on the vectors at
hand, for millions of vectors; `auto` (the default) is `flat` and turns itself into `ivf` once it
holds `ivf_threshold` vectors. Vectors are unit length, so inner product is cosine similarity.
HNSW is not offered: FAISS's HNSW cannot remove vectors, and the service deletes documents.
"""

from __future__ import annotations

import math

import faiss
import numpy as np

from inference.registry import Registry

IVF_THRESHOLD = 200_000
IVF_NPROBE = 16
IVF_TRAINING_SAMPLE = 64_000


def ivf_lists(n: int) -> int:
    """About sqrt(n) lists, the low end of the FAISS guideline (4-16 sqrt(n)): k-means on 2 cores stays
    quick and nprobe=16 still reads only ~1.6% of a million vectors. At least 39 training vectors per list."""
    return max(1, min(int(math.sqrt(n)), n // 39))


class VectorIndex:
    def __init__(self, index: faiss.Index, kind: str, nprobe: int = IVF_NPROBE, ivf_threshold: int = IVF_THRESHOLD):
        self.index = index
        self.kind = kind
        self.nprobe = nprobe
        self.ivf_threshold = ivf_threshold
        self._apply_nprobe()

    @property
    def dimension(self) -> int:
        return self.index.d

    def __len__(self) -> int:
        return self.index.ntotal

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors under `ids`, replacing any vectors those ids had."""
        if len(ids) == 0:
            return
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        self.remove(ids)
        self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids)
        if self.kind == "auto" and _is_flat(self.index) and self.index.ntotal >= self.ivf_threshold:
            self.index = to_ivf(self.index)
            self._apply_nprobe()

    def remove(self, ids: np.ndarray) -> int:
        if len(ids) == 0 or self.index.ntotal == 0:
            return 0
        return int(self.index.remove_ids(np.ascontiguousarray(ids, dtype=np.int64)))

    def search(self, vectors: np.ndarray, k: int, within: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids), each (len(vectors), k); missing neighbours have id -1. With `within`, only
        those ids are searched."""
        available = self.index.ntotal if within is None else min(len(within), self.index.ntotal)
        if available == 0:
            empty = np.zeros((len(vectors), 0))
            return empty.astype(np.float32), empty.astype(np.int64)
        queries, k = np.ascontiguousarray(vectors, dtype=np.float32), max(1, min(k, available))
        if within is None:
            return self.index.search(queries, k)
        selector = faiss.IDSelectorBatch(np.ascontiguousarray(within, dtype=np.int64))
        return self.index.search(queries, k, params=self._search_parameters(selector, len(within)))

    def _search_parameters(self, selector: faiss.IDSelector, selected: int) -> faiss.SearchParameters:
        ivf = _ivf_of(self.index)
        if ivf is None:
            return faiss.SearchParameters(sel=selector)
        # Probe more lists the fewer vectors are selected, so about as many selected vectors are compared
        # as an unrestricted search compares.
        nprobe = min(ivf.nlist, math.ceil(self.nprobe * self.index.ntotal / max(selected, 1)))
        return faiss.SearchParametersIVF(sel=selector, nprobe=nprobe)

    def serialize(self) -> bytes:
        return faiss.serialize_index(self.index).tobytes()

    @classmethod
    def deserialize(cls, data: bytes, kind: str, **options: int) -> VectorIndex:
        return cls(faiss.deserialize_index(np.frombuffer(data, dtype=np.uint8)), kind, **options)

    def _apply_nprobe(self) -> None:
        ivf = _ivf_of(self.index)
        if ivf is not None:
            ivf.nprobe = self.nprobe


def _is_flat(index: faiss.Index) -> bool:
    return isinstance(index, faiss.IndexIDMap2) and isinstance(faiss.downcast_index(index.index), faiss.IndexFlat)


def _ivf_of(index: faiss.Index) -> faiss.IndexIVF | None:
    downcast = faiss.downcast_index(index)
    return downcast if isinstance(downcast, faiss.IndexIVF) else None


def new_ivf(dimension: int, training: np.ndarray, expected: int) -> faiss.IndexIVFFlat:
    """An empty IVF index for about `expected` vectors, its lists trained on `training`."""
    lists = min(ivf_lists(expected), max(1, len(training) // 39))
    quantizer = faiss.IndexFlatIP(dimension)
    index = faiss.IndexIVFFlat(quantizer, dimension, lists, faiss.METRIC_INNER_PRODUCT)
    index.train(np.ascontiguousarray(training, dtype=np.float32))
    index.set_direct_map_type(faiss.DirectMap.Hashtable)
    return index


def to_ivf(flat: faiss.IndexIDMap2) -> faiss.IndexIVFFlat:
    """The vectors of an exact index moved into an IVF index trained on a sample of them."""
    vectors = flat.index.reconstruct_n(0, flat.ntotal)
    ids = faiss.vector_to_array(flat.id_map).astype(np.int64)
    sample = np.random.default_rng(0).permutation(len(vectors))[:IVF_TRAINING_SAMPLE]
    ivf = new_ivf(flat.d, vectors[sample], flat.ntotal)
    ivf.add_with_ids(vectors, ids)
    return ivf


VECTOR_INDEXES: Registry[VectorIndex] = Registry("vector index")


@VECTOR_INDEXES.register("flat")
def _flat(dimension: int, **options: int) -> VectorIndex:
    return VectorIndex(faiss.IndexIDMap2(faiss.IndexFlatIP(dimension)), "flat", **options)


@VECTOR_INDEXES.register("auto")
def _auto(dimension: int, **options: int) -> VectorIndex:
    return VectorIndex(faiss.IndexIDMap2(faiss.IndexFlatIP(dimension)), "auto", **options)


@VECTOR_INDEXES.register("ivf")
def _ivf(dimension: int, training: np.ndarray, expected: int, **options: int) -> VectorIndex:
    return VectorIndex(new_ivf(dimension, training, expected), "ivf", **options)
