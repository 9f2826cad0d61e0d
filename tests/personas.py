"""The demo's people the tests sign in as, by the short name the tests use."""

PERSONAS = {
    "officer": "officer",
    "pct": "pct.analyst",
    "police": "police.analyst",
    "theme_lead": "theme.lead",
    "board": "board.member",
    "steering": "steering.member",
    "finance": "finance.officer",
}
