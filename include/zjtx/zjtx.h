/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* zjtx/zjtx.h - the whole public API of libzjtx: include this one header. */
#ifndef ZJTX_H
#define ZJTX_H
#include "common.h"
#include "policy.h"
#include "facts.h"
#include "eval.h"
#include "receipt.h"
#endif
