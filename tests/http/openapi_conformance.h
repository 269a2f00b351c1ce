// Checks a response against an OpenAPI 3.1 document: the operation for (method, path) must
// exist, the status must be declared (or "default"), the content type must be listed and a
// JSON body must validate against its schema (the JSON Schema subset stead_http emits:
// $ref, type, properties, required, additionalProperties, items, prefixItems, enum, anyOf,
// minimum/maximum, minLength/maxLength, minItems/maxItems). Independent of stead::http::Schema
// on purpose: it reads only the served document.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace stead::http::test {

// Every way the response departs from the document; empty when it conforms.
std::vector<std::string> check_response(const nlohmann::json& openapi, const std::string& method, const std::string& path,
                                        int status, const std::string& content_type, const std::string& body);

}  // namespace stead::http::test
