/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* policy-link.h - finishing a policy once all its documents are read.
 * Internal to the loader. */
#ifndef ZJTX_POLICY_LINK_H
#define ZJTX_POLICY_LINK_H

#include "error.h"
#include "model-read.h"

/* Resolves one name that waited for every document (zpending). */
bool zpolicy_resolve_pending(struct zjtx_policy *p, zpending *pd, zjtx_error **err);
/* Adds each parent's relation to its child entity (named by the plural). */
bool zpolicy_add_child_relations(struct zjtx_policy *p, zjtx_error **err);
/* Every ref field refers to an entity with a key. */
bool zpolicy_check_ref_fields(struct zjtx_policy *p, zjtx_error **err);
/* Each budget's rules, cap and group field (budget-read.c). */
bool zpolicy_link_budgets(struct zjtx_policy *p, zjtx_error **err);
/* Drops removed rules, compiles every derived value, rule, check and
 * indicator, and links (zcompile_link). */
bool zpolicy_compile_all(struct zjtx_policy *p, zjtx_error **err);

#endif
