/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* opcodes.c - the rows of the opcode table (opcodes.h) as data: names,
 * operand kinds and stack effects, for the compiler, the VM and the dump.
 * The bytecode layer: below both the compiler and the VM. */
#include "opcodes.h"

#include <stddef.h>

static const zop_row op_table[OP__COUNT] = {
#define ZOP_ROW(name, a, b, c, pops, pushes, doc) {#name, ZOPND_##a, ZOPND_##b, ZOPND_##c, pops, pushes, doc},
    ZOPCODES(ZOP_ROW)
#undef ZOP_ROW
};

const zop_row *zop_info(zopcode op) {
  return op < OP__COUNT ? &op_table[op] : NULL;
}

const char *zop_name(zopcode op) {
  return op < OP__COUNT ? op_table[op].name : "?";
}
