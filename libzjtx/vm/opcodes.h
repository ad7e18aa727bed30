/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* opcodes.h - the one table of the VM's opcodes.  Internal.
 *
 * Every instruction is 8 bytes: op, a (8 bits), b (16 bits), c (32 bits).
 * Each row below gives an opcode's name, what its operands a, b and c mean
 * (ZOPND_*, which also says how `zjtx dump` prints them), its stack effect
 * (values popped, values pushed) and its meaning.  From this table come the
 * zopcode enum and zop_info() (opcodes.c): names, stack effects and the dump's
 * decoding.  Nothing else lists the opcodes.
 *
 * Two opcodes pop a variable number of values ("special" below): the table
 * gives their fixed part and the compiler accounts for the rest where it
 * emits them (PARAM: one value per flag in a; CALL: a arguments).
 *
 * Adding an opcode: add a row (anywhere: the bytecode is never stored, and
 * no switch depends on the order), a case in exec() in vm.c, and emit it
 * from the compiler.  grep ORDER OP: nothing needs to follow this order.
 *
 * Operand kinds:
 *   NONE      unused (0)
 *   CTYPE     CONST's a: the constant's ztype_kind (for the dump only)
 *   CREF      CONST's b: its code set + 1, 0 if none (for the dump only)
 *   CONST     index into the policy's constant pool
 *   SLOT      a local slot
 *   FIELD     a field index of the entity in c
 *   ENTITY    an entity index
 *   CMPOP     a comparison operator (zop, expr.h)
 *   KIND      how values compare (zcmp_kind)
 *   TARGET    an instruction index to jump to
 *   RMODE     a rounding mode (zround_mode)
 *   PLACES    decimal places
 *   PFLAGS    ZPARAM_KEYED | ZPARAM_DATED: which operands are on the stack
 *   PARAM     a parameter index
 *   PERIOD    0 the period's start, 1 its end, 2 its year
 *   ISRC      what ITER walks (ZITER_*): c is a relation or an entity
 *   COLL      ITER's c, described with its a
 *   ISMAX     1 max, 0 min
 *   NARGS     the number of arguments
 *   DERIVED   a derived value index
 *   AGG       an aggregate index (policy->aggregates, for explanations)
 *   MISS      nonzero when an operand may be missing (ZMISS_*): the compiler
 *             sets it only then, so that values that are always there cost
 *             no test.  A missing operand makes the result missing, its
 *             missing inputs the union of the operands' (three-valued
 *             logic for and/or: see JOIN)
 *   LOGIC     JOIN's a: 0 and, 1 or
 *   MRULE     MONTHS's b: when a month in part counts (ZMONTHS_*, date.h)
 *   RULE      a rule index (its amount, kept per record while evaluating)
 *   SFLAGS    SCALE's a: ZMISS_OPERAND | ZSCALE_DATED
 *   SCALE     a table index (policy->scales)
 *   CACHE     a population aggregate's slot in the run's cache (zvm.cache)
 */
#ifndef ZJTX_OPCODES_H
#define ZJTX_OPCODES_H

/* clang-format off */
/* X(name,     a,      b,      c,       pops, pushes, meaning) */
#define ZOPCODES(X)                                                                                                    \
  X(CONST,      CTYPE,  CREF,   CONST,   0, 1, "-> consts[c]")                                                         \
  X(SELF,       NONE,   NONE,   NONE,    0, 1, "-> the current record")                                                \
  X(LOCAL,      NONE,   SLOT,   NONE,    0, 1, "-> locals[b]")                                                         \
  X(STORE,      NONE,   SLOT,   NONE,    1, 0, "v -> ; locals[b] = v")                                                 \
  X(DUP,        NONE,   NONE,   NONE,    1, 2, "v -> v v")                                                             \
  X(POP,        NONE,   NONE,   NONE,    1, 0, "v ->")                                                                 \
  X(FIELD,      MISS,   FIELD,  ENTITY,  1, 1, "rec -> rec's field b (rec of entity c); a: ZMISS_*")                     \
  X(SELF_FIELD, MISS,   FIELD,  ENTITY,  0, 1, "-> the current record's field b (entity c); a: ZMISS_FIELD")          \
  X(PARENT,     MISS,   NONE,   ENTITY,  1, 1, "rec -> rec's parent record (rec of entity c)")                         \
  X(ADD,        MISS,   NONE,   NONE,    2, 1, "x y -> x + y (exact decimals)")                                        \
  X(SUB,        MISS,   NONE,   NONE,    2, 1, "x y -> x - y")                                                         \
  X(MUL,        MISS,   NONE,   NONE,    2, 1, "x y -> x * y")                                                         \
  X(DIV,        MISS,   NONE,   NONE,    2, 1, "x y -> x / y (fails on division by zero)")                             \
  X(NEG,        MISS,   NONE,   NONE,    1, 1, "x -> -x")                                                              \
  X(ABS,        MISS,   NONE,   NONE,    1, 1, "x -> |x|")                                                             \
  X(ADD_DAYS,   MISS,   NONE,   NONE,    2, 1, "date n -> date + n days")                                              \
  X(SUB_DAYS,   MISS,   NONE,   NONE,    2, 1, "date n -> date - n days")                                              \
  X(DAYS_BETWEEN, MISS, NONE,   NONE,    2, 1, "d1 d2 -> d2 - d1 (a number of days)")                                  \
  X(CMP,        CMPOP,  KIND,   MISS,    2, 1, "x y -> x (a) y, compared as b")                                        \
  X(NOT,        MISS,   NONE,   NONE,    1, 1, "b -> not b")                                                           \
  X(JUMP,       NONE,   NONE,   TARGET,  0, 0, "go to c")                                                              \
  X(JUMP_FALSE, MISS,   NONE,   TARGET,  1, 0, "b -> ; go to c if b is false (a: if missing, the value below is too)") \
  X(AND_SC,     MISS,   NONE,   TARGET,  1, 0, "b -> ; if b is false keep it and go to c (a: keep b; JOIN follows)")  \
  X(OR_SC,      MISS,   NONE,   TARGET,  1, 0, "b -> ; if b is true keep it and go to c (a: keep b; JOIN follows)")   \
  X(MIN,        MISS,   KIND,   NONE,    2, 1, "x y -> the smaller, compared as b")                                    \
  X(MAX,        MISS,   KIND,   NONE,    2, 1, "x y -> the larger, compared as b")                                     \
  X(ROUND,      RMODE,  PLACES, MISS,    1, 1, "x -> x rounded to b places in mode a")                                 \
  X(YEAR,       MISS,   NONE,   NONE,    1, 1, "date -> its year")                                                     \
  X(MONTH,      MISS,   NONE,   NONE,    1, 1, "date -> its month")                                                    \
  X(DAY,        MISS,   NONE,   NONE,    1, 1, "date -> its day")                                                      \
  X(PARAM,      PFLAGS, MISS,   PARAM,   0, 1, "[key] [date] -> parameter c's value (special: pops one per flag)")     \
  X(PERIOD,     PERIOD, NONE,   NONE,    0, 1, "-> the period's start, end or year (a)")                               \
  X(ITER,       ISRC,   SLOT,   COLL,    1, 0, "owner -> ; locals[b+1..b+2] = the records of collection c")            \
  X(NEXT,       NONE,   SLOT,   TARGET,  0, 0, "locals[b] = the next record, or go to c when there is none")           \
  X(INC,        MISS,   NONE,   NONE,    1, 1, "n -> n + 1")                                                           \
  X(AGG_MINMAX, ISMAX,  KIND,   SLOT,    2, 1, "best v -> the better (a&1: max), compared as b; locals[c]: seen one")  \
  X(CALL,       NARGS,  MISS,   DERIVED, 1, 1, "rec args.. -> derived value c of rec (special: pops a arguments)")     \
  X(GROUP_KEY,  NONE,   NONE,   NONE,    0, 1, "-> the current group's key")                                           \
  X(RET,        NONE,   NONE,   NONE,    1, 0, "v -> ; ends the block with v")                                         \
  X(TRACE_AGG,  NONE,   NONE,   AGG,     1, 1, "v -> v; records aggregate c's value when explaining")                  \
  X(JOIN,       LOGIC,  NONE,   NONE,    2, 1, "l r -> l and r (a 0) / l or r (a 1), three-valued; after AND_SC/OR_SC with a") \
  X(JUMP_MISSING, NONE, NONE,   TARGET,  0, 0, "v -> v; go to c if v is missing (it is then the result)")              \
  X(JUMP_PRESENT, NONE, NONE,   TARGET,  1, 0, "v -> ; if v is there keep it and go to c (coalesce)")                  \
  X(IS_MISSING, NONE,   NONE,   NONE,    1, 1, "v -> whether v is missing")                                      \
  X(MAKE_DATE,  MISS,   NONE,   NONE,    3, 1, "y m d -> the date y-m-d (fails unless a real date)")                  \
  X(ADD_MONTHS, MISS,   NONE,   NONE,    2, 1, "date n -> date + n months, its day clamped to the month's last")      \
  X(END_OF_MONTH, MISS, NONE,   NONE,    1, 1, "date -> the last day of its month")                                    \
  X(MONTHS,     MISS,   MRULE,  NONE,    2, 1, "from to -> the months of from..to that count under rule b") \
  X(RULE_VALUE, MISS,   NONE,   RULE,    1, 1, "rec -> rule c's amount for rec (missing while undecided); a: ZMISS_RECORD") \
  X(SCALE,      SFLAGS, NONE,   SCALE,   1, 1, "x [date] -> table c's value for x (special: pops the date when a & ZSCALE_DATED)") \
  X(CACHE_LOAD, NONE,   CACHE,  TARGET,  0, 0, "if cache b holds a value: push it and go to c (special: then pushes 1)") \
  X(CACHE_STORE, NONE,  CACHE,  NONE,    1, 1, "v -> v; cache b = v (a population aggregate, once per run)") \
  X(CALL_SELF,  NONE,   MISS,   DERIVED, 0, 1, "-> derived value c of the current record (batch form only: SELF; CALL)") \
  X(LOCAL_FIELD, MISS,  NONE,   NONE,    0, 1, "-> field b of record locals[c >> 16] (entity c & 0xFFFF; batch form only: LOCAL; FIELD)")

typedef enum {
#define ZOP_ENUM(name, a, b, c, pops, pushes, doc) OP_##name,
  ZOPCODES(ZOP_ENUM)
#undef ZOP_ENUM
  OP__COUNT
} zopcode;
/* clang-format on */

typedef enum {
  ZOPND_NONE,
  ZOPND_CTYPE,
  ZOPND_CREF,
  ZOPND_CONST,
  ZOPND_SLOT,
  ZOPND_FIELD,
  ZOPND_ENTITY,
  ZOPND_CMPOP,
  ZOPND_KIND,
  ZOPND_TARGET,
  ZOPND_RMODE,
  ZOPND_PLACES,
  ZOPND_PFLAGS,
  ZOPND_PARAM,
  ZOPND_PERIOD,
  ZOPND_ISRC,
  ZOPND_COLL,
  ZOPND_ISMAX,
  ZOPND_NARGS,
  ZOPND_DERIVED,
  ZOPND_AGG,
  ZOPND_MISS,
  ZOPND_LOGIC,
  ZOPND_MRULE,
  ZOPND_RULE,
  ZOPND_SFLAGS,
  ZOPND_SCALE,
  ZOPND_CACHE
} zoperand;

/* One row of the table. */
typedef struct {
  const char *name;
  zoperand a, b, c;
  signed char pops, pushes; /* the fixed part for the "special" ones */
  const char *doc;
} zop_row;

/* The opcode's row of the table (NULL past the end), and its name. */
const zop_row *zop_info(zopcode op);
const char *zop_name(zopcode op);

/* Operand encodings shared by the compiler (which writes them) and the VM
 * (which reads them). */
typedef enum { ZCMP_DEC = 0, ZCMP_INT = 1, ZCMP_TEXT = 2, ZCMP_BOOL = 3 } zcmp_kind;
enum { ZITER_RELATION = 0, ZITER_MEMBERS = 1, ZITER_ALL = 2 /* every record of entity c */ };
enum { ZPARAM_KEYED = 1, ZPARAM_DATED = 2 };
enum { ZSCALE_DATED = 2 }; /* with ZMISS_OPERAND (1) in SCALE's a */
/* MISS operands: 1 = an operand (or the field read, for FIELD and
 * SELF_FIELD: an optional field) may be missing; FIELD's 2 = its record
 * may be missing.  AGG_MINMAX keeps ISMAX in bit 0 and ZMISS_AGG in a. */
enum { ZMISS_OPERAND = 1, ZMISS_FIELD = 1, ZMISS_RECORD = 2, ZMISS_AGG = 2 };

#endif
