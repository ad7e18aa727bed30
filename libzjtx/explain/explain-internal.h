/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* explain-internal.h - the explanation's nodes and its recorder, shared by the
 * files of explain/.  Internal.
 *
 * Files in layers, each using only those below it:
 *   explain-subject.c  top: every rule for one record (zjtx_result_explain_subject), its JSON
 *   explain-text.c     the explanation in sentences, Chinese or English
 *   explain-why.c      why a condition is false: the operands that decided it, gaps, records
 *   explain.c          the nodes, the recorder of the VM's and the steps' hooks, the public accessors
 *   explain-probe.c    bottom: one sub-expression's compiled code run alone, in the frame it ran in
 * Nothing here computes a value the evaluation computes: values come from
 * the VM running the policy's own code, or from its hooks. */
#ifndef ZJTX_EXPLAIN_INTERNAL_H
#define ZJTX_EXPLAIN_INTERNAL_H

#include "eval-internal.h"
#include "expr.h"

/* ---- nodes (explain.c) ------------------------------------------------------ */

typedef struct {
  zjtx_node_kind kind;
  size_t parent;
  char *label, *value, *reference;
  GPtrArray *attrs; /* char*: name, value, name, value, ...; NULL when none */
  zjtx_outcome outcome;
  bool money; /* value is money: grouped in thousands in the text form */
} znode;

struct zjtx_explanation {
  GArray *nodes; /* znode; a parent always before its children */
};

zjtx_explanation *zex_new(void);
/* Adds a node; takes label, value and reference (each may be NULL). */
size_t zex_add(zjtx_explanation *ex, zjtx_node_kind kind, size_t parent, char *label, char *value, char *reference);
/* Sets attribute `name` of node i; takes `value` (NULL: nothing is set). */
void zex_attr(zjtx_explanation *ex, size_t i, const char *name, char *value);
const char *zex_attr_get(const zjtx_explanation *ex, size_t i, const char *name);
znode *zex_node(const zjtx_explanation *ex, size_t i);
/* An English title, or the name when there is none (never the Chinese one:
 * an English sentence would read half in Chinese). */
const char *zex_title_en(const ztext2 *t, const char *name);

/* ---- frames and the recorder ---------------------------------------------- */

/* Where a block ran: its code and tree, its record and its locals (a derived
 * value's arguments, an aggregate's variable), so that any part of it can be
 * run again alone. */
typedef struct {
  const zblock *block;
  const zexpr *ast;
  int32_t self;
  int32_t entity; /* of self, -1 if none */
  zval *locals;   /* policy->max_locals values, owned by the recorder */
} zframe;

/* An aggregate met while the rule ran, to be explained record by record once
 * the run is over (the VM's stack is in use until then). */
typedef struct {
  size_t node; /* its AGGREGATE node */
  zframe frame;
  int32_t pc; /* its TRACE_AGG */
} zpending;

/* Records what the evaluation reports: `hooks` first, so that the VM's
 * ztrace is the recorder itself. */
typedef struct {
  ztrace hooks;
  zsteps steps;
  const zjtx_policy *policy;
  const zjtx_facts *facts;
  zrun *run;
  zjtx_explanation *ex;
  GArray *open;        /* size_t: stack of open derived nodes */
  size_t root;         /* the RULE node */
  size_t parent;       /* the step whose formula runs */
  GArray *pending;     /* zpending */
  GHashTable *winners; /* const zexpr* min/max -> winning argument + 1 */
  GPtrArray *buffers;  /* zval* locals of frames */
  GHashTable *seen;    /* "node\tentity\trec\tfield": facts already listed under a node */
  int32_t rec;         /* the rule's subject record, -1 for a group */
  const zrule *rule;   /* the rule being explained */
  int why_depth;       /* explain-why.c: how deep the why being told is */
  size_t first_node;   /* the explanation's size when this recorder began */
} zrecorder;

void zrec_init(zrecorder *rc, zrun *run, const zjtx_policy *p, const zjtx_facts *f, zjtx_explanation *ex);
void zrec_clear(zrecorder *rc);
/* Runs rule r for record rec (or the group selected) with every hook
 * recorded under rc->root; *out as zrun_subject gives it, then explains
 * each aggregate met record by record. */
bool zrec_run(zrecorder *rc, const zrule *r, int32_t rec, zoutcome *out);

/* ---- running a part alone (explain-probe.c) ------------------------------- */

/* The tree compiled into block b (a rule's condition, amount, cap or filter,
 * a derived value), or NULL. */
const zexpr *zprobe_source(const zjtx_policy *p, const zblock *b);
/* The node of `root` of `kind` whose code ends at pc_to, or NULL. */
const zexpr *zprobe_find(const zexpr *root, zexpr_kind kind, int pc_to);
/* A fresh locals array for a frame (zeroed; owned by the recorder). */
zval *zprobe_locals(zrecorder *rc);
/* Runs e's code alone in frame fr (with no trace): its value in *out.  False
 * when it fails (then nothing is said about it). */
bool zprobe_value(zrecorder *rc, const zframe *fr, const zexpr *e, zval *out);
/* Runs instructions [from, to) of fr's block alone; the values they leave are
 * copied to out[0..n). */
bool zprobe_range(zrecorder *rc, const zframe *fr, int from, int to, zval *out, int n);
/* When e is a call of a derived value: the frame it runs in (its record and
 * arguments, computed by running e's own code up to the call), and *d. */
bool zprobe_callee(zrecorder *rc, const zframe *fr, const zexpr *e, zframe *callee, const zderived **d);
/* When e reads a field (its code ends in FIELD or SELF_FIELD): entity and field. */
bool zprobe_field(const zframe *fr, const zexpr *e, int32_t *entity, int32_t *field);
/* When e reads a parameter: its index. */
bool zprobe_param(const zframe *fr, const zexpr *e, int32_t *param);
/* Expression text as a person writes it: "rd_expense >= rd_min_expense". */
char *zprobe_text(const zexpr *e);

/* ---- why a condition is false (explain-why.c) ------------------------------ */

/* Adds under `parent` the FAILED nodes of the parts of bool e (in frame fr)
 * that made it `value`: with `and` every false operand, with `or` all of
 * them, each comparison with its sides and gap, each aggregate with its
 * records.  `value` is e's value. */
void zwhy(zrecorder *rc, size_t parent, const zframe *fr, const zexpr *e, bool value);
/* Adds under `parent` a RECORD node for each record aggregate `agg`
 * considered: matched, or skipped with the part of its `where` that failed. */
void zwhy_records(zrecorder *rc, size_t parent, const zframe *fr, const zexpr *agg);
/* A term that counts or sums records (an aggregate, or a derived value that
 * is one, `depth` calls deep): the records it considered, under `n`. */
void zwhy_term(zrecorder *rc, size_t n, const zframe *fr, const zexpr *e, int depth);
/* A value as text, by type: money with 2 decimals, rates in percent. */
char *zwhy_format(zrecorder *rc, ztype t, const zval *v);

/* ---- sentences (explain-text.c) --------------------------------------------- */

/* The rule node `rule` of a finished explanation in sentences, "zh" or "en";
 * fr is the frame of the rule's amount (entitled) or condition. */
char *ztext_rule(zrecorder *rc, const zrule *r, size_t rule, const zframe *fr, const char *lang);

/* ---- output (explain.c) ------------------------------------------------------- */

/* Node i and everything below it as a JSON object. */
void zex_node_json(const zjtx_explanation *ex, size_t i, GString *out);

#endif
