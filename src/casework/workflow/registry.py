"""Names the workflow definitions may use: rules, effects, data schemas and record types.

Feature packages register their functions here when they are imported (``create_app``
imports every feature in ``casework.FEATURES`` before it loads the definitions). The YAML
files refer to them by name; ``workflows check`` rejects any name nobody registered.

A rule is called as ``rule(record, data, context)`` and returns ``True`` when it passes, or
the reason it fails (a sentence for the user, in their language). Returning ``False`` fails
with the rule's description. Rules must have no side effects: they also run to decide which
buttons a page shows (``available_events``).

An effect is called as ``effect(record, data, context)`` after the state has moved, inside the
same database transaction. It may change the record or other rows, or fire other workflows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

RuleFunc = Callable[[Any, dict, Any], Any]
EffectFunc = Callable[[Any, dict, Any], None]


class RegistryError(ValueError):
    """A name registered twice, or a bad registration."""


@dataclass(frozen=True)
class RuleInfo:
    name: str
    func: RuleFunc
    description: Any  # a lazy string shown to users (API, docs, "unless" failures)
    # False when the rule looks only at the record and the context, never at the event's
    # data: only such rules can be judged before the user has filled in the form.
    uses_data: bool = True


@dataclass(frozen=True)
class EffectInfo:
    name: str
    func: EffectFunc
    description: Any
    # Data fields the effect adds to the event (RuleContext.derived), e.g. a term's length.
    derives: tuple[str, ...] = ()


class Registry:
    """What feature packages make available to the definitions, by name."""

    def __init__(self) -> None:
        self.rules: dict[str, RuleInfo] = {}
        self.effects: dict[str, EffectInfo] = {}
        self.schemas: dict[str, type] = {}
        self.record_types: dict[str, type] = {}

    # --- registration -------------------------------------------------------------------
    def rule(self, name: str, description: Any, *, uses_data: bool = True):
        """Decorator: register a rule function under ``name``."""

        def decorate(func: RuleFunc) -> RuleFunc:
            self._claim(self.rules, name, "rule", func)
            self.rules[name] = RuleInfo(name, func, description, uses_data)
            return func

        return decorate

    def effect(self, name: str, description: Any, *, derives: tuple[str, ...] = ()):
        """Decorator: register an effect function under ``name``.

        ``derives`` names the data fields the effect adds through ``context.derived``. Their
        values are computed (codes, numbers, dates, yes/no), never text a user typed: the
        redaction policy shows them as codes.
        """

        def decorate(func: EffectFunc) -> EffectFunc:
            self._claim(self.effects, name, "effect", func)
            self.effects[name] = EffectInfo(name, func, description, tuple(derives))
            return func

        return decorate

    def data_schema(self, name: str):
        """Class decorator: register a marshmallow schema for an event's data."""

        def decorate(schema_cls: type) -> type:
            self._claim(self.schemas, name, "schema", schema_cls)
            self.schemas[name] = schema_cls
            return schema_cls

        return decorate

    def record_type(self, model: type) -> type:
        """Register a model that uses ``WorkflowRecordMixin``, under its record type.

        Commands that walk all records (``casework deadlines``, ``workflows migrate``,
        ``audit verify``) find them here. Usable as a class decorator.
        """
        name = model.__record_type__
        existing = self.record_types.get(name)
        if existing is not None and existing is not model:
            raise RegistryError(f"record type {name!r} is already registered")
        self.record_types[name] = model
        return model

    def unregister_record_type(self, model: type) -> None:
        if self.record_types.get(model.__record_type__) is model:
            del self.record_types[model.__record_type__]

    @staticmethod
    def _claim(table: dict, name: str, kind: str, obj: Any) -> None:
        if not name or not isinstance(name, str):
            raise RegistryError(f"a {kind} needs a name")
        existing = table.get(name)
        if existing is None:
            return
        # Re-importing the same module (tests, reloaders) registers the same function again.
        same = getattr(existing, "func", existing)
        if getattr(same, "__qualname__", None) == getattr(obj, "__qualname__", object()) and (
            getattr(same, "__module__", None) == getattr(obj, "__module__", None)
        ):
            return
        raise RegistryError(f"{kind} {name!r} is already registered by {same!r}")

    # --- lookup ---------------------------------------------------------------------------
    def record_types_for(self, workflow: str) -> list[type]:
        return [m for m in self.record_types.values() if m.__workflow__ == workflow]


registry = Registry()

# Short names for feature packages: ``@rule("name", _l("..."))``.
rule = registry.rule
effect = registry.effect
data_schema = registry.data_schema
record_type = registry.record_type
