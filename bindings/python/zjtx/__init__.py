# SPDX-License-Identifier: LGPL-2.1-or-later
"""zjtx - Python bindings of libzjtx, the rules-as-code engine for subsidy
and incentive policies.

    import zjtx

    with zjtx.Policy.load("rules/huaian-2025.xml") as policy:
        facts = policy.load_facts("examples/huaian-2025/facts.json")
        result = policy.evaluate(facts)
        for e in result.entitlements:
            print(e.rule, e.id, e.amount)        # amount: decimal.Decimal
        why = result.explain(result.entitlements[0])   # a dict

Policies, facts and results hold references to each other inside the
library, so they may be closed or garbage-collected in any order.  A policy
and facts are immutable once loaded: any number of threads may evaluate
them at once (the library releases the GIL during a call).  Failures raise
zjtx.Error subclasses carrying file, line, column and message.

The library is loaded through ctypes (nothing is compiled when the package
is installed): see zjtx._native for where it is looked for.
"""
from __future__ import annotations

import ctypes
import json
import os
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Iterable, Mapping, Union

from . import _native
from ._errors import (AmountOverflowError, Error, EvaluationError, FactsError, FileError, InvalidArgumentError,
                      LimitError, NotFoundError, OutOfMemoryError, PolicyError, Problem, SchemaError, XMLError,
                      check, new_error_out)
from ._native import arg, lib, owned_text, text

__all__ = ["Policy", "Facts", "Result", "Rule", "Entitlement", "Violation", "Undecided", "Missing", "Error",
           "Problem", "InvalidArgumentError", "FileError", "XMLError", "SchemaError", "PolicyError", "FactsError",
           "EvaluationError", "AmountOverflowError", "NotFoundError", "LimitError", "OutOfMemoryError",
           "library_version", "__version__"]

PathLike = Union[str, "os.PathLike[str]"]
ParamValue = Union[str, int, Decimal]


def library_version() -> str:
    """The version of the libzjtx loaded, e.g. "0.1.0"."""
    return text(lib.zjtx_version_string()) or ""


#: The version of this package: the library's it was installed with.
__version__: str = getattr(_native._config, "VERSION", None) or library_version()


class _Handle:
    """An owned library object: released by close(), by the end of a with
    block, or when garbage-collected, whichever comes first."""

    _release = None  # the library's free/unref function

    def __init__(self, handle: int):
        self._handle: int | None = handle

    @property
    def _h(self) -> int:
        if self._handle is None:
            raise InvalidArgumentError(f"this {type(self).__name__} is closed")
        return self._handle

    def close(self) -> None:
        """Releases the library object now.  Closing twice is harmless."""
        h, self._handle = self._handle, None
        if h is not None and type(self)._release is not None:
            type(self)._release(h)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown: the library may be gone
            pass


@dataclass(frozen=True)
class Rule:
    """A rule or check of a policy."""

    id: str
    kind: str  # "entitlement" or "check"
    title: str | None
    clause: str | None
    subject: str | None


@dataclass(frozen=True)
class Entitlement:
    """Who is owed how much under which rule: ``amount`` in yuan (exact),
    ``fen`` the same in fen (0.01 yuan).  ``index`` is its position in
    Result.entitlements."""

    rule: str
    beneficiary: str  # the beneficiary's entity ("enterprise", "county")
    id: str
    amount: Decimal
    fen: int
    index: int = field(default=-1, compare=False)


@dataclass(frozen=True)
class Violation:
    """A record that breaks a check."""

    check: str
    entity: str
    id: str
    index: int = field(default=-1, compare=False)


@dataclass(frozen=True)
class Missing:
    """An input an undecided item lacks: a field of one record."""

    entity: str
    id: str
    field: str


@dataclass(frozen=True)
class Undecided:
    """A rule (or check) the facts are not enough to decide, for want of
    the ``missing`` optional values."""

    rule: str  # the rule's or check's id
    kind: str  # "entitlement" or "check"
    entity: str  # the subject's entity
    id: str
    missing: list[Missing]
    missing_more: bool = False  # it lacks more inputs than it names


class Policy(_Handle):
    """A loaded, checked and compiled policy (immutable, thread-safe)."""

    _release = lib.zjtx_policy_unref

    @classmethod
    def load(cls, path: PathLike, search_path: Iterable[PathLike] | None = None) -> "Policy":
        """Loads the policy file ``path``.  ``search_path``: folders that its
        ``extends`` may also lead into, besides its own.  Raises
        FileError, XMLError, SchemaError or PolicyError with the position."""
        sp = ":".join(os.fspath(p) for p in search_path) if search_path else None
        out, err = ctypes.c_void_p(), new_error_out()
        check(lib.zjtx_policy_load_file_full(arg(path), arg(sp), ctypes.byref(out), ctypes.byref(err)), err)
        return cls(out.value)

    @classmethod
    def from_string(cls, xml: str | bytes, name: str = "<string>", base_dir: PathLike | None = None) -> "Policy":
        """Loads a policy from its XML text; ``name`` is used in errors,
        ``base_dir`` is where its ``extends`` are looked for."""
        data = xml.encode("utf-8") if isinstance(xml, str) else bytes(xml)
        out, err = ctypes.c_void_p(), new_error_out()
        check(lib.zjtx_policy_load_buffer(data, len(data), arg(name), arg(base_dir), ctypes.byref(out),
                                          ctypes.byref(err)), err)
        return cls(out.value)

    @property
    def id(self) -> str:
        return text(lib.zjtx_policy_id(self._h)) or ""

    def title(self, lang: str = "zh") -> str:
        """The policy's title in ``lang`` ("zh" or "en"), falling back to the other."""
        return text(lib.zjtx_policy_title(self._h, arg(lang))) or ""

    @property
    def version(self) -> str | None:
        return text(lib.zjtx_policy_version(self._h))

    @property
    def default_period(self) -> str | None:
        """The period evaluated when none is given, e.g. "2025"."""
        return text(lib.zjtx_policy_default_period(self._h))

    @property
    def rules(self) -> list[Rule]:
        """Rules and checks in declaration order (base policies first)."""
        return [self._rule(i) for i in range(lib.zjtx_policy_rule_count(self._h))]

    def rule(self, rule_id: str) -> Rule:
        """The rule or check ``rule_id``; NotFoundError if there is none."""
        i = lib.zjtx_policy_rule_index(self._h, arg(rule_id))
        if i == _native.NOT_FOUND_INDEX:
            raise NotFoundError(f'the policy has no rule or check "{rule_id}"')
        return self._rule(i)

    def _rule(self, i: int) -> Rule:
        h = self._h
        kind = "check" if lib.zjtx_policy_rule_kind(h, i) == _native.RULE_CHECK else "entitlement"
        return Rule(text(lib.zjtx_policy_rule_id(h, i)) or "", kind, text(lib.zjtx_policy_rule_title(h, i, b"zh")),
                    text(lib.zjtx_policy_rule_clause(h, i)), text(lib.zjtx_policy_rule_subject(h, i)))

    def load_facts(self, path: PathLike, keep_going: bool = False) -> "Facts":
        """Reads facts from a JSON file or a directory of CSV files (one per
        entity).  With ``keep_going`` invalid records are refused (counted
        in Facts.rejects) and the rest kept; otherwise the first raises
        FactsError, whose ``problems`` list every bad record."""
        out, err = ctypes.c_void_p(), new_error_out()
        flags = _native.FACTS_KEEP_GOING if keep_going else 0
        check(lib.zjtx_facts_load(self._h, arg(path), flags, ctypes.byref(out), ctypes.byref(err)), err)
        return Facts(out.value)

    def facts_from_json(self, json_text: str | bytes, name: str = "<json>") -> "Facts":
        """Reads facts from the text of a JSON document (the JSON carrier)."""
        data = json_text.encode("utf-8") if isinstance(json_text, str) else bytes(json_text)
        out, err = ctypes.c_void_p(), new_error_out()
        check(lib.zjtx_facts_load_json_buffer(self._h, data, len(data), arg(name), ctypes.byref(out),
                                              ctypes.byref(err)), err)
        return Facts(out.value)

    def evaluate(self, facts: "Facts", period: str | None = None,
                 params: Mapping[str | tuple[str, str], ParamValue] | None = None, threads: int = 1) -> "Result":
        """Evaluates every rule and check over ``facts``.

        ``period``: the year evaluated ("2025"; default: the facts' or the
        policy's).  ``params``: parameter overrides, {"id": "value"} or
        {("id", "key"): "value"} for one key of a keyed parameter, values
        written as in the policy ("2.5" for 2.5 %).  ``threads``: how many
        threads the library may use for this call (1: the caller's only;
        0: one per processor).
        """
        opts, err = ctypes.c_void_p(), new_error_out()
        check(lib.zjtx_options_create(ctypes.byref(opts), ctypes.byref(err)), err)
        try:
            self._set_options(opts, period, params, threads)
            out = ctypes.c_void_p()
            err = new_error_out()
            check(lib.zjtx_evaluate(self._h, facts._h, opts, ctypes.byref(out), ctypes.byref(err)), err)
        finally:
            lib.zjtx_options_free(opts)
        return Result(out.value)

    @staticmethod
    def _set_options(opts: ctypes.c_void_p, period: str | None, params: Mapping | None, threads: int) -> None:
        if period is not None:
            err = new_error_out()
            check(lib.zjtx_options_set_period(opts, arg(period), ctypes.byref(err)), err)
        for name, value in (params or {}).items():
            pid, key = name if isinstance(name, tuple) else (name, None)
            err = new_error_out()
            check(lib.zjtx_options_set_param(opts, arg(pid), arg(key), arg(value), ctypes.byref(err)), err)
        err = new_error_out()
        check(lib.zjtx_options_set_threads(opts, int(threads), ctypes.byref(err)), err)


class Facts(_Handle):
    """Records of a policy's entities, checked; immutable once loaded."""

    _release = lib.zjtx_facts_unref

    @property
    def period(self) -> str | None:
        """The period the facts declare ("2025"), or None."""
        return text(lib.zjtx_facts_period(self._h))

    @property
    def rejects(self) -> int:
        """How many problems were found in refused records (keep_going)."""
        return lib.zjtx_facts_reject_count(self._h)

    def count(self, entity: str) -> int:
        """Number of records of ``entity`` (0 for an unknown entity)."""
        return lib.zjtx_facts_record_count(self._h, arg(entity))

    def field_value(self, entity: str, record_id: str, field_name: str) -> str | None:
        """A field of one record as the facts hold it, written as the
        carriers write it ("1250000.50", "3.45" for a rate, "2025-06-30");
        None when that optional value is missing.  NotFoundError for an
        unknown entity, record or field."""
        out, err = ctypes.c_void_p(), new_error_out()
        check(lib.zjtx_facts_field_value(self._h, arg(entity), arg(record_id), arg(field_name), ctypes.byref(out),
                                         ctypes.byref(err)), err)
        return owned_text(out.value)


class Result(_Handle):
    """What an evaluation found: entitlements, violations and undecided
    items, read in one call (zjtx_result_to_json)."""

    _release = lib.zjtx_result_free

    def __init__(self, handle: int):
        super().__init__(handle)
        self._doc: dict[str, Any] | None = None

    def to_json(self) -> str:
        """The result as `zjtx evaluate --format json` writes it."""
        out, err = ctypes.c_void_p(), new_error_out()
        check(lib.zjtx_result_to_json(self._h, 0, ctypes.byref(out), ctypes.byref(err)), err)
        return owned_text(out.value) or ""

    def _document(self) -> dict[str, Any]:
        if self._doc is None:
            self._doc = json.loads(self.to_json())
        return self._doc

    @property
    def period(self) -> str:
        """The period evaluated ("2025")."""
        return text(lib.zjtx_result_period(self._h)) or ""

    @property
    def policy_id(self) -> str:
        return self._document()["policy"]

    @property
    def entitlements(self) -> list[Entitlement]:
        """In rule order, then record order; zero amounts left out."""
        return [Entitlement(e["rule"], e["beneficiary"], e["id"], Decimal(e["amount"]), int(e["fen"]), i)
                for i, e in enumerate(self._document()["entitlements"])]

    @property
    def violations(self) -> list[Violation]:
        """In check order, then record order."""
        return [Violation(v["check"], v["entity"], v["id"], i) for i, v in enumerate(self._document()["violations"])]

    @property
    def undecided(self) -> list[Undecided]:
        """Rules and checks the facts could not decide, with what they lack."""
        items = []
        for u in self._document()["undecided"]:
            check_item = "check" in u
            items.append(Undecided(u["check"] if check_item else u["rule"], "check" if check_item else "entitlement",
                                   u["entity"] if check_item else u["beneficiary"], u["id"],
                                   [Missing(m["entity"], m["id"], m["field"]) for m in u["missing"]],
                                   bool(u.get("missing_more", False))))
        return items

    def total(self) -> Decimal:
        """The sum of every entitlement, in yuan."""
        return sum((e.amount for e in self.entitlements), Decimal("0.00"))

    def explain(self, item: Entitlement | Violation | int) -> dict[str, Any]:
        """Why an entitlement (or a violation) is what it is: the tree of
        zjtx_explanation_to_json as a dict (rule, condition, formula,
        rounding, caps, and the derived values, parameters and aggregates
        used).  ``item``: an element of entitlements or violations, or an
        entitlement's index."""
        violation = isinstance(item, Violation)
        i = item if isinstance(item, int) else item.index
        if i < 0:
            raise InvalidArgumentError("explain() takes an item of this result's entitlements or violations")
        fn = lib.zjtx_result_explain_violation if violation else lib.zjtx_result_explain_entitlement
        ex, err = ctypes.c_void_p(), new_error_out()
        check(fn(self._h, i, ctypes.byref(ex), ctypes.byref(err)), err)
        try:
            return json.loads(owned_text(lib.zjtx_explanation_to_json(ex)) or "{}")
        finally:
            lib.zjtx_explanation_free(ex)
