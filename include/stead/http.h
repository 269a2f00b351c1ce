// Stead's web integration: expose workflows over HTTP from a C++ service.
//
//   #include "stead/http.h"            // the router-agnostic core (this header)
//   #include "stead/http_httplib.h"    // cpp-httplib adapter (blocking)   target stead_http_httplib
//   #include "stead/http_beast.h"      // Boost.Beast adapter (coroutines) target stead_http_beast
//
// One concept per header:
//   http_message.h          Request, Response, Principal, TraceContext
//   http_problem.h          Problem (RFC 9457), HttpError, the error -> status mapping
//   http_schema.h           Schema: declared types, validation (422), JSON Schema
//   http_auth.h             API keys, JWT (HS256/RS256), roles
//   http_metrics.h          Prometheus metrics
//   http_api.h              Api: routes, dispatch, CORS, limits, logs, OpenAPI, /docs
//   http_workflow_routes.h  the mounted workflow API and its building blocks
//   http_runtime.h          shared client, embedded server, worker, SIGTERM
#pragma once

#include "stead/http_api.h"
#include "stead/http_auth.h"
#include "stead/http_message.h"
#include "stead/http_metrics.h"
#include "stead/http_problem.h"
#include "stead/http_runtime.h"
#include "stead/http_schema.h"
#include "stead/http_test_client.h"
#include "stead/http_workflow_routes.h"
