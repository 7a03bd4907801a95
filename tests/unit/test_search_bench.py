"""eval.search_bench: how one hybrid query's latency is bounded and judged."""

from __future__ import annotations

from eval.search_bench import Latency, _acceptance, hybrid_p95_bound


def latency(p95: float) -> Latency:
    return Latency(p50_ms=p95 / 2, p95_ms=p95, mean_ms=p95 / 2)


def test_a_hybrid_query_is_bounded_by_its_dense_and_two_keyword_searches() -> None:
    assert hybrid_p95_bound(latency(15.0), latency(30.0)) == 75.0


def test_the_hybrid_bound_is_judged_only_over_as_many_passages_as_vectors() -> None:
    fast, slow = latency(10.0), latency(80.0)
    both = {"dense p95 <= 150 ms": True, "hybrid p95 bound <= 150 ms": True}
    assert _acceptance(fast, fast, 1_000_000, 1_000_000) == both
    assert _acceptance(fast, slow, 1_000_000, 1_000_000)["hybrid p95 bound <= 150 ms"] is False  # 10 + 2 x 80
    assert "hybrid p95 bound <= 150 ms" not in _acceptance(fast, slow, 200_000, 1_000_000)  # a smaller keyword index
    assert list(_acceptance(fast, None, 0, 1_000_000)) == ["dense p95 <= 150 ms"]
