# SPDX-License-Identifier: LGPL-2.1-or-later
"""_errors.py - zjtx.Error and its subclasses, one per status code of
include/zjtx/common.h, made from the library's zjtx_error chain."""
from __future__ import annotations

import ctypes
from dataclasses import dataclass

from ._native import lib, text


@dataclass(frozen=True)
class Problem:
    """One error of a chain (loading facts reports every invalid record)."""

    message: str
    file: str | None
    line: int
    column: int
    rule: str | None

    def __str__(self) -> str:
        where = ":".join(str(p) for p in (self.file, self.line or None, self.column or None) if p)
        return f"{where}: {self.message}" if where else self.message


class Error(Exception):
    """A libzjtx failure.

    Attributes: ``code`` (the status, a negative int), ``message`` (one
    line, without position), ``file``, ``line``, ``column`` (1-based, 0
    when unknown), ``rule`` (the rule, check or parameter concerned, or
    None) and ``problems``: every error of the chain, the first being this
    one's own (an invalid facts file reports each bad record).
    """

    code = 0

    def __init__(self, message: str, file: str | None = None, line: int = 0, column: int = 0,
                 rule: str | None = None, problems: list[Problem] | None = None, code: int | None = None):
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.rule = rule
        self.problems = problems or [Problem(message, file, line, column, rule)]
        if code is not None:
            self.code = code
        super().__init__(str(self.problems[0]))


class InvalidArgumentError(Error):
    """A programming error: a closed object, an index out of range."""
    code = -1


class FileError(Error):
    """A file could not be read or written (ZJTX_ERR_IO)."""
    code = -2


class XMLError(Error):
    """The policy is not well-formed or unsafe XML."""
    code = -3


class SchemaError(Error):
    """The policy does not follow the policy schema."""
    code = -4


class PolicyError(Error):
    """A name, type or structure error in a policy."""
    code = -5


class FactsError(Error):
    """Invalid facts (a bad value, a missing field, ...)."""
    code = -6


class EvaluationError(Error):
    """The policy cannot be computed (no parameter value in force, ...)."""
    code = -7


class AmountOverflowError(Error):
    """An amount does not fit the exact money range."""
    code = -8


class NotFoundError(Error):
    """No rule, parameter, entity, record or field of that name."""
    code = -9


class LimitError(Error):
    """A safety limit (size, depth, entities) was hit."""
    code = -10


class OutOfMemoryError(Error):
    """The library ran out of memory."""
    code = -11


_BY_CODE = {c.code: c for c in (InvalidArgumentError, FileError, XMLError, SchemaError, PolicyError, FactsError,
                                 EvaluationError, AmountOverflowError, NotFoundError, LimitError, OutOfMemoryError)}


def _problem(e: int) -> Problem:
    return Problem(text(lib.zjtx_error_message(e)) or "", text(lib.zjtx_error_file(e)), lib.zjtx_error_line(e),
                   lib.zjtx_error_column(e), text(lib.zjtx_error_rule(e)))


def from_chain(status: int, err: ctypes.c_void_p) -> Error:
    """The exception for a failed call, made from its error chain, which is freed."""
    try:
        problems = []
        e = err.value
        while e:
            problems.append(_problem(e))
            e = lib.zjtx_error_next(e)
        if not problems:
            problems.append(Problem(f"libzjtx status {status}", None, 0, 0, None))
        cls = _BY_CODE.get(status, Error)
        p = problems[0]
        return cls(p.message, p.file, p.line, p.column, p.rule, problems, code=status)
    finally:
        lib.zjtx_error_free(err)


def check(status: int, err: ctypes.c_void_p) -> None:
    """Raises the Error subclass for `status` when it is not ZJTX_OK."""
    if status != 0:
        raise from_chain(status, err)


def new_error_out() -> ctypes.c_void_p:
    """A fresh, NULL error variable for one call (*err must be NULL on entry)."""
    return ctypes.c_void_p()


__all__ = ["Error", "Problem", "InvalidArgumentError", "FileError", "XMLError", "SchemaError", "PolicyError",
           "FactsError", "EvaluationError", "AmountOverflowError", "NotFoundError", "LimitError", "OutOfMemoryError"]
