"""Public objects name the module users import them from, not the private one that defines them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def publish(obj: object, module: str) -> object:
    """Set ``obj.__module__`` to *module* if *obj* is a class or function defined in a private
    module of escalation_rules; reprs, tracebacks, pickles and docs then name the public one."""
    is_definition = isinstance(obj, type) or (callable(obj) and hasattr(obj, "__code__"))
    if is_definition and getattr(obj, "__module__", "").startswith("escalation_rules._"):
        obj.__module__ = module
    return obj


def publish_all(namespace: Mapping[str, object], names: Iterable[str], module: str) -> None:
    """`publish` each of *names* in *namespace* (a module's ``globals()``)."""
    for name in names:
        if name in namespace:
            publish(namespace[name], module)
