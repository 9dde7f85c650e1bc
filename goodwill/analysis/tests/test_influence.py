"""PageRank and edge-list parsing (goodwill.analysis.influence)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from goodwill.analysis import influence

nx = pytest.importorskip("networkx")

edges_strategy = st.integers(min_value=1, max_value=12).flatmap(
    lambda n: st.tuples(
        st.just(n),
        st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), min_size=0, max_size=40),
    )
)


def networkx_pagerank(
    n: int,
    edges: list[tuple[int, int]],
    *,
    undirected: bool = False,
    personalization: list[float] | None = None,
    weights: list[float] | None = None,
) -> np.ndarray:
    graph = nx.Graph() if undirected else nx.DiGraph()
    graph.add_nodes_from(range(n))
    if weights is None:
        graph.add_edges_from(edges)
    else:
        graph.add_weighted_edges_from((u, v, w) for (u, v), w in zip(edges, weights, strict=True))
    kwargs = {}
    if personalization is not None:
        kwargs["personalization"] = dict(enumerate(personalization))
    ranks = nx.pagerank(graph, alpha=0.85, tol=1e-13, max_iter=10_000, **kwargs)
    return np.array([ranks[i] for i in range(n)])


@settings(max_examples=80, deadline=None)
@given(graph=edges_strategy, undirected=st.booleans())
def test_matches_networkx_on_small_random_graphs(
    graph: tuple[int, list[tuple[int, int]]], undirected: bool
) -> None:
    n, edges = graph
    src = np.array([u for u, _ in edges], dtype=np.int64)
    dst = np.array([v for _, v in edges], dtype=np.int64)
    s, d, w = influence.simple_graph(src, dst, n, undirected=undirected)
    ours = influence.pagerank(s, d, n, weight=w).scores
    assert ours.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.all(ours > 0)
    np.testing.assert_allclose(ours, networkx_pagerank(n, edges, undirected=undirected), atol=1e-9)


@settings(max_examples=50, deadline=None)
@given(
    graph=edges_strategy,
    data=st.data(),
)
def test_personalised_and_weighted_ranks_match_networkx(
    graph: tuple[int, list[tuple[int, int]]], data: st.DataObject
) -> None:
    n, edges = graph
    personal = data.draw(
        st.lists(st.floats(0.0, 5.0), min_size=n, max_size=n).filter(lambda v: sum(v) > 0.01)
    )
    weights = data.draw(st.lists(st.floats(0.1, 10.0), min_size=len(edges), max_size=len(edges)))
    src = np.array([u for u, _ in edges], dtype=np.int64)
    dst = np.array([v for _, v in edges], dtype=np.int64)
    s, d, w = influence.simple_graph(src, dst, n, weight=weights)
    ours = influence.pagerank(s, d, n, weight=w, personalization=personal).scores
    assert ours.sum() == pytest.approx(1.0, abs=1e-12)
    expected = networkx_pagerank(n, edges, personalization=personal, weights=weights)
    np.testing.assert_allclose(ours, expected, atol=1e-9)


def test_dangling_rank_is_spread_like_networkx() -> None:
    # 3 has no out-links: its rank goes back to everyone uniformly.
    edges = [(0, 1), (1, 2), (2, 0), (0, 3)]
    scores = influence.pagerank([u for u, _ in edges], [v for _, v in edges], 4).scores
    np.testing.assert_allclose(scores, networkx_pagerank(4, edges), atol=1e-10)
    assert scores.sum() == pytest.approx(1.0)


def test_star_centre_ranks_highest_and_converges_to_tolerance() -> None:
    n = 50
    src = np.arange(1, n)
    dst = np.zeros(n - 1, dtype=np.int64)
    result = influence.pagerank(src, dst, n)
    assert int(np.argmax(result.scores)) == 0
    assert result.error < influence.TOLERANCE


def test_repeated_edges_add_up_in_the_array_api() -> None:
    once = influence.pagerank([0, 0], [1, 2], 3).scores
    twice = influence.pagerank([0, 0, 0], [1, 2, 2], 3).scores
    assert twice[2] > once[2]


def test_invalid_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="node indices"):
        influence.pagerank([0], [5], 3)
    with pytest.raises(ValueError, match="personalization"):
        influence.pagerank([0], [1], 2, personalization=[0, 0])


def test_parse_edge_list_accepts_commas_spaces_and_comments() -> None:
    text = "# a comment\n\nalice bob\nbob,carol\n  carol \t alice  # trailing\n"
    edges = influence.parse_edge_list(io.StringIO(text))
    assert edges.labels == ["alice", "bob", "carol"]
    assert edges.source.tolist() == [0, 1, 2]
    assert edges.target.tolist() == [1, 2, 0]
    assert edges.weight is None


@pytest.mark.parametrize(
    ("text", "line", "field"),
    [
        ("a b\nlonely\n", 2, "edge"),
        ("a b\na b c d\n", 2, "edge"),
        ("a b 2\nb c\n", 2, "weight"),
        ("a b 2\nb c x\n", 2, "weight"),
        ("a b -1\n", 1, "weight"),
    ],
)
def test_bad_edge_lines_name_line_and_field(text: str, line: int, field: str) -> None:
    with pytest.raises(influence.EdgeListError) as info:
        influence.parse_edge_list(io.StringIO(text))
    assert (info.value.line, info.value.field) == (line, field)
    assert f"line {line}" in str(info.value)


@given(
    st.lists(
        st.tuples(
            st.text(alphabet="abcxyz_-.0123456789", min_size=1, max_size=6),
            st.text(alphabet="abcxyz_-.0123456789", min_size=1, max_size=6),
        ),
        min_size=1,
        max_size=20,
    ),
    st.sampled_from([" ", ",", "\t", " , "]),
)
def test_parse_edge_list_roundtrips(pairs: list[tuple[str, str]], separator: str) -> None:
    text = "".join(f"{u}{separator}{v}\n" for u, v in pairs)
    edges = influence.parse_edge_list(io.StringIO(text))
    parsed = [
        (edges.labels[s], edges.labels[t])
        for s, t in zip(edges.source.tolist(), edges.target.tolist(), strict=True)
    ]
    assert parsed == pairs
