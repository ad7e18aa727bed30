/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cli-serve-openapi.c - GET /v1/openapi.json: the OpenAPI 3.1 description
 * of `zjtx serve`, kept in tools/serve-openapi.json and carried inside the
 * command (embed-file.py). */
#include "cli-serve.h"

extern const char cli_serve_openapi[];

const char *serve_openapi_json(void) {
  return cli_serve_openapi;
}
