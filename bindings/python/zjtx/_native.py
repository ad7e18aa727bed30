# SPDX-License-Identifier: LGPL-2.1-or-later
"""_native.py - libzjtx through ctypes: finding the library and declaring the
C functions the package calls (include/zjtx/*.h).  Internal to the package.

The library is found, in order: the file named by $ZJTX_LIBRARY; the
library installed beside this package by `meson install` (its libdir is
written into _config.py); libzjtx.so.0 where the dynamic loader looks
(LD_LIBRARY_PATH, the system's directories).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
from ctypes import POINTER, c_char_p, c_int, c_int64, c_size_t, c_void_p

try:
    from . import _config  # written by meson install
except ImportError:  # the package used from the source tree
    _config = None

SONAME = "libzjtx.so.0"


def _candidates() -> list[str]:
    names = []
    if os.environ.get("ZJTX_LIBRARY"):
        names.append(os.environ["ZJTX_LIBRARY"])
    libdir = getattr(_config, "LIBDIR", None)
    if libdir:
        names.append(os.path.join(libdir, SONAME))
    names.append(SONAME)
    found = ctypes.util.find_library("zjtx")
    if found:
        names.append(found)
    return names


def _load() -> ctypes.CDLL:
    tried = []
    for name in _candidates():
        try:
            return ctypes.CDLL(name)
        except OSError as e:
            tried.append(f"{name}: {e}")
    raise ImportError("cannot load libzjtx (set LD_LIBRARY_PATH or ZJTX_LIBRARY); tried " + "; ".join(tried))


lib = _load()

# Opaque handles are plain pointers.
Handle = c_void_p
ErrorOut = POINTER(c_void_p)
NOT_FOUND_INDEX = ctypes.c_size_t(-1).value


def _declare(name: str, restype, *argtypes) -> None:
    fn = getattr(lib, name)
    fn.restype = restype
    fn.argtypes = list(argtypes)


# One line per function: name, return type, arguments (include/zjtx/*.h).
# A `char *` the caller owns is declared c_void_p, read and given back to zjtx_free.
_DECLARATIONS = [
    # common.h
    ("zjtx_error_code", c_int, Handle),
    ("zjtx_error_message", c_char_p, Handle),
    ("zjtx_error_file", c_char_p, Handle),
    ("zjtx_error_line", c_int, Handle),
    ("zjtx_error_column", c_int, Handle),
    ("zjtx_error_rule", c_char_p, Handle),
    ("zjtx_error_next", Handle, Handle),
    ("zjtx_error_free", None, Handle),
    ("zjtx_free", None, c_void_p),
    ("zjtx_version_string", c_char_p),
    # policy.h
    ("zjtx_policy_load_file_full", c_int, c_char_p, c_char_p, POINTER(Handle), ErrorOut),
    ("zjtx_policy_load_buffer", c_int, c_char_p, c_size_t, c_char_p, c_char_p, POINTER(Handle), ErrorOut),
    ("zjtx_policy_unref", None, Handle),
    ("zjtx_policy_id", c_char_p, Handle),
    ("zjtx_policy_title", c_char_p, Handle, c_char_p),
    ("zjtx_policy_version", c_char_p, Handle),
    ("zjtx_policy_default_period", c_char_p, Handle),
    ("zjtx_policy_rule_count", c_size_t, Handle),
    ("zjtx_policy_rule_id", c_char_p, Handle, c_size_t),
    ("zjtx_policy_rule_kind", c_int, Handle, c_size_t),
    ("zjtx_policy_rule_title", c_char_p, Handle, c_size_t, c_char_p),
    ("zjtx_policy_rule_clause", c_char_p, Handle, c_size_t),
    ("zjtx_policy_rule_subject", c_char_p, Handle, c_size_t),
    ("zjtx_policy_rule_index", c_size_t, Handle, c_char_p),
    # facts.h
    ("zjtx_facts_load", c_int, Handle, c_char_p, c_int, POINTER(Handle), ErrorOut),
    ("zjtx_facts_load_json_buffer", c_int, Handle, c_char_p, c_size_t, c_char_p, POINTER(Handle), ErrorOut),
    ("zjtx_facts_unref", None, Handle),
    ("zjtx_facts_period", c_char_p, Handle),
    ("zjtx_facts_record_count", c_size_t, Handle, c_char_p),
    ("zjtx_facts_reject_count", c_size_t, Handle),
    ("zjtx_facts_field_value", c_int, Handle, c_char_p, c_char_p, c_char_p, POINTER(c_void_p), ErrorOut),
    # eval.h
    ("zjtx_options_create", c_int, POINTER(Handle), ErrorOut),
    ("zjtx_options_free", None, Handle),
    ("zjtx_options_set_period", c_int, Handle, c_char_p, ErrorOut),
    ("zjtx_options_set_param", c_int, Handle, c_char_p, c_char_p, c_char_p, ErrorOut),
    ("zjtx_options_set_threads", c_int, Handle, c_int, ErrorOut),
    ("zjtx_evaluate", c_int, Handle, Handle, Handle, POINTER(Handle), ErrorOut),
    ("zjtx_result_free", None, Handle),
    ("zjtx_result_period", c_char_p, Handle),
    ("zjtx_result_to_json", c_int, Handle, c_int, POINTER(c_void_p), ErrorOut),
    ("zjtx_result_entitlement_fen", c_int64, Handle, c_size_t),
    ("zjtx_result_explain_entitlement", c_int, Handle, c_size_t, POINTER(Handle), ErrorOut),
    ("zjtx_result_explain_violation", c_int, Handle, c_size_t, POINTER(Handle), ErrorOut),
    ("zjtx_explanation_to_json", c_void_p, Handle),
    ("zjtx_explanation_free", None, Handle),
]

for _decl in _DECLARATIONS:
    _declare(*_decl)

# zjtx_facts_flags and zjtx_json_flags (facts.h, eval.h)
FACTS_KEEP_GOING = 1
JSON_EXPLAIN = 1
RULE_CHECK = 2


def text(b: bytes | None) -> str | None:
    """A borrowed UTF-8 string from the library, as str (None stays None)."""
    return None if b is None else b.decode("utf-8")


def owned_text(p: int | None) -> str | None:
    """A string the library allocated for the caller: read, then zjtx_free()."""
    if not p:
        return None
    try:
        return ctypes.string_at(p).decode("utf-8")
    finally:
        lib.zjtx_free(p)


def arg(s: str | os.PathLike | None) -> bytes | None:
    """A Python string or path as the UTF-8 the library reads."""
    if s is None:
        return None
    return os.fsencode(s) if isinstance(s, os.PathLike) else str(s).encode("utf-8")
