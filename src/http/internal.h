// Pieces of stead_http shared between its files; not public.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "stead/http_message.h"
#include "stead/http_problem.h"

namespace stead::http::detail {

// A problem as a response; hoists header-carrying extensions (www_authenticate) into headers.
Response problem_response(Problem problem);

// An embedded Swagger UI file ("swagger-ui.css", "swagger-ui-bundle.js", ...): its bytes
// and content type; false when there is no such asset (or none were embedded).
bool swagger_asset(std::string_view name, std::string_view& bytes, std::string& content_type);
bool swagger_embedded();
// The /docs page for an API titled `title`.
std::string swagger_page(const std::string& title);

// Whether `text` is well-formed UTF-8 (RFC 3629). Path and query text is checked with it
// before it can reach a protobuf string field.
bool valid_utf8(std::string_view text);

// Throws std::invalid_argument ("<owner> has an empty role") when a role name is empty: such
// a role is held by any token whose roles claim has an empty string in it.
void check_role_names(const std::vector<std::string>& roles, const std::string& owner);

// Nesting depth of JSON accepted from callers (bodies, query arguments, JWT parts). Parsing
// is iterative, but serializing is recursive (one frame per level: arguments become
// payloads), so a 1 MB body of "[" would overflow the stack.
constexpr int kMaxJsonDepth = 256;
// True when `text` nests arrays/objects deeper than kMaxJsonDepth (strings are skipped).
bool json_too_deep(std::string_view text);

// Sets req.path (percent-decoded) and req.query (decoded, '+' as space) from a request
// target "/path?name=value&...". Used by adapters that see the raw target, and TestClient.
void set_request_target(std::string_view target, Request& req);

// 32 random lower-case hex digits.
std::string random_id();

}  // namespace stead::http::detail
