"""Did you mean: the closest known name to a misspelt one."""

from __future__ import annotations

from collections.abc import Iterable


def did_you_mean(name: str, choices: Iterable[str]) -> str | None:
    """Return the closest spelling of *name* among *choices*, if one is close."""
    options = list(choices)
    folded = name.casefold()
    for option in options:
        if option.casefold() == folded:
            return option
    import difflib  # on first use: a suggestion is only made for a mistake

    matches = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    if matches:
        return matches[0]
    # A long shared start ("resolve" / "resolution") is a likely intent too.
    best, best_len = None, max(3, int(0.6 * len(folded)) + 1) - 1
    for option in options:
        shared = 0
        for a, b in zip(folded, option.casefold(), strict=False):
            if a != b:
                break
            shared += 1
        if shared > best_len:
            best, best_len = option, shared
    return best
