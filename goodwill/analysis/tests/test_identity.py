"""Identity matching maths: similarity functions, reference and mention spotting, scoring."""

from __future__ import annotations

import string

from hypothesis import given
from hypothesis import strategies as st

from goodwill.analysis import identity as m

names = st.text(alphabet=string.ascii_letters + " éüñ-'", min_size=0, max_size=30)
handles = st.text(alphabet=string.ascii_letters + string.digits + "_.", min_size=0, max_size=20)


@given(names, names)
def test_name_similarity_is_symmetric_and_bounded(a: str, b: str) -> None:
    s = m.name_similarity(a, b)
    assert 0.0 <= s <= 1.0
    assert s == m.name_similarity(b, a)


@given(names)
def test_a_name_matches_itself_folded(a: str) -> None:
    if m.looks_like_name(a):
        assert m.name_similarity(a, a.upper()) == 1.0
        assert m.name_similarity(a, m.fold(a)) == 1.0
    else:
        assert m.name_similarity(a, a) == 0.0


@given(handles, handles)
def test_handle_similarity_is_symmetric_and_bounded(a: str, b: str) -> None:
    s = m.handle_similarity(a, b)
    assert 0.0 <= s <= 1.0
    assert abs(s - m.handle_similarity(b, a)) < 1e-9
    if m.handle_core(a):
        assert m.handle_similarity(a, "@" + a.upper()) == 1.0


def test_handle_forms_of_one_name() -> None:
    for h in ("@Anna_Smith", "u/anna.smith", "anna.smith@mail.example", "annasmith"):
        assert m.handle_core(h) == "annasmith"
    assert m.handle_name_similarity("smith_anna", "Anna Smith") == 1.0
    assert m.handle_name_similarity("jane_smith", "Anna Smith") < 0.9
    assert m.name_similarity("Anna S.", "Anna Smith") >= 0.85
    assert m.name_similarity("Müller Jürgen", "Jurgen Muller") == 1.0


def test_numbers_conflict() -> None:
    assert m.numbers_conflict("jo12", "jo907")
    assert not m.numbers_conflict("jo12", "jo12345")
    assert not m.numbers_conflict("jo", "jo907")


@given(st.lists(st.integers(min_value=0, max_value=10**12), max_size=8))
def test_bare_numbers_are_never_references(numbers: list[int]) -> None:
    text = "paid " + " and ".join(f"{n} EUR on 2024-03-0{n % 9 + 1}" for n in numbers)
    assert m.extract_references(text) == []


@given(st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ", min_size=4, max_size=6), st.integers(1, 999))
def test_a_written_reference_is_found_verbatim(letters: str, number: int) -> None:
    ref = f"{letters[:2]}{number}{letters[2:]}"
    for text in (f"booking {ref}, flight cancelled", f"Ref is {ref.lower()}.", f"({ref})"):
        assert ref in m.extract_references(text)


def test_references_after_a_word_that_names_them() -> None:
    assert m.extract_references("order number 12345678 never came") == ["12345678"]
    assert m.extract_references("Pedido #55120931") == ["55120931"]
    assert m.extract_references("call 0800 123 4567 or 12345678") == []
    assert m.extract_references("see https://x.com/a1b2c3d4 or @bob123abc") == []


def test_mentions_point_across_channels_only() -> None:
    accounts = [
        m.Account(1, "facebook", "anna.smith", "Anna Smith"),
        m.Account(2, "instagram", "anna_smith", "anna_smith"),
        m.Account(3, "x", "bob", "Bob"),
        m.Account(4, "x", "anna_smith", "Anna Other"),
    ]
    messages = [
        (1, "facebook", "Asked the same on Instagram as @anna_smith"),
        (3, "x", "@anna_smith did you get an answer?"),  # an @reply on its own channel
    ]
    assert m.mention_pairs(messages, accounts) == {(1, 2)}


def test_confidence_rises_with_each_agreeing_signal() -> None:
    a = m.Account(1, "x", "annasmith", "Anna Smith")
    b_name = m.Account(2, "facebook", "a.s.1999", "Anna Smith")
    b_both = m.Account(3, "facebook", "anna.smith", "Anna Smith")
    c_name = m.confidence(m.features(a, b_name))
    c_both = m.confidence(m.features(a, b_both))
    c_mention = m.confidence(m.features(a, b_both, m.PairEvidence(mentions=True)))
    assert c_name < c_both < c_mention < 1.0
    same_channel = m.Account(4, "x", "anna.smith", "Anna Smith")
    assert m.confidence(m.features(a, same_channel)) < c_both


@given(st.lists(st.tuples(names, handles), min_size=0, max_size=25))
def test_candidates_are_scored_pairs_of_distinct_customers(rows: list[tuple[str, str]]) -> None:
    accounts = [
        m.Account(i, ("x", "facebook", "reddit")[i % 3], h, n, customer_id=i // 2)
        for i, (n, h) in enumerate(rows)
    ]
    for c in m.candidate_pairs(accounts, min_confidence=0.0):
        assert c.a < c.b
        assert accounts[c.a].customer_id != accounts[c.b].customer_id
        assert 0.0 < c.confidence < 1.0
        assert abs(c.confidence - m.confidence(m.features(accounts[c.a], accounts[c.b]))) < 1e-12


def test_blocking_pairs_spellings_of_one_name_without_all_pairs() -> None:
    accounts = [
        m.Account(1, "x", "annasmith", "Anna Smith"),
        m.Account(2, "review", "rv-user-000001", "Anna S."),
        m.Account(3, "reddit", "smith_anna", "smith_anna"),
        m.Account(4, "x", "bob_jones", "Bob Jones"),
    ]
    pairs = {(c.a, c.b) for c in m.candidate_pairs(accounts, min_confidence=0.0)}
    assert {(1, 2), (1, 3)} <= pairs
    assert not any(4 in p for p in pairs)


def test_score_links() -> None:
    people = [["x:1", "fb:1", "shop:C1"], ["x:2", "fb:2"]]
    customer_of = {"x:1": 10, "fb:1": 10, "shop:C1": 10, "x:2": 20, "fb:2": 21, "x:3": 20}
    scores = m.score_links(people, customer_of, suggested=[(21, 20)])
    assert scores.true_links == 4
    assert scores.auto_links == 4  # three pairs in 10, (x:2, x:3) in 20
    assert scores.auto_correct == 3
    assert scores.found_links == 4
    assert scores.suggestion_precision == 1.0
    assert m.score_links(people, customer_of, suggested=[]).recall == 0.75
