"""The bench's round order (bench/run.py): each target right after its reference, the order reversed
on odd rounds, every target measured once a round."""

from bench.run import Target, round_order, targets_for

CREDS = {
    "client_id": "c",
    "client_secret": "s",
    "audiences": {alg: f"https://{alg.lower()}.test/" for alg in ("RS256", "ES256", "HS256")},
}


def _names(targets):
    return [t.name for t in targets]


def test_even_rounds_run_each_reference_before_its_targets_and_odd_rounds_after():
    # given
    targets = targets_for(CREDS, "token")
    # when
    even, odd = _names(round_order(targets, 0)), _names(round_order(targets, 1))
    # then
    hand = "hand-written ES256 view"
    logged, unlogged = "Authport ES256 client_credentials", "Authport ES256, no log events"
    assert even.index(hand) + 1 == even.index(logged) == even.index(unlogged) - 1
    assert odd.index(unlogged) + 1 == odd.index(logged) == odd.index(hand) - 1
    assert sorted(even) == sorted(odd) == sorted(_names(targets))


def test_a_target_whose_reference_is_not_right_before_it_keeps_its_place():
    # given
    targets = [
        Target("ceiling", "reference", "GET", "/json", group="ceiling"),
        Target("jwks", "authport", "GET", "/j", reference="ceiling"),
        Target("hand", "reference", "GET", "/h"),
        Target("discovery", "authport", "GET", "/d", reference="ceiling"),
    ]
    # when
    odd = _names(round_order(targets, 1))
    # then
    assert odd == ["jwks", "ceiling", "hand", "discovery"]
