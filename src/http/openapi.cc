// The OpenAPI 3.1 document, generated from the declared routes and their Schemas.
#include <cctype>

#include "stead/http_api.h"

namespace stead::http {

namespace {

const Schema& problem_schema() {
  static const Schema s = Schema::object("Problem")
                              .required("type", Schema::string(), "A URI naming the kind of problem")
                              .required("title", Schema::string())
                              .required("status", Schema::integer().minimum(100).maximum(599))
                              .optional("detail", Schema::string())
                              .optional("errors", Schema::array(Schema::object("FieldError")
                                                                    .required("field", Schema::string())
                                                                    .required("message", Schema::string())),
                                        "The offending fields (422)")
                              .description("RFC 9457 problem details");
  return s;
}

std::string operation_id(const Api::Route& r) {
  if (!r.spec.operation_id.empty()) return r.spec.operation_id;
  std::string id;
  for (char c : r.method) id += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const auto& seg : r.segments) {
    std::string s = seg;
    bool param = s.size() > 2 && s.front() == '{';
    if (param) s = "by_" + s.substr(1, s.size() - 2);
    id += "_";
    for (char c : s) id += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  }
  return id;
}

nlohmann::json problem_response(const std::string& description, nlohmann::json& components) {
  return {{"description", description},
          {"content", {{"application/problem+json", {{"schema", problem_schema().json_schema(&components)}}}}}};
}

}  // namespace

nlohmann::json Api::openapi() const {
  nlohmann::json components = nlohmann::json::object();
  nlohmann::json paths = nlohmann::json::object();
  for (const auto& rp : routes_) {
    const Route& r = *rp;
    nlohmann::json op = {{"operationId", operation_id(r)}};
    if (!r.spec.summary.empty()) op["summary"] = r.spec.summary;
    std::string description = r.spec.description;
    if (options_.auth && !r.spec.public_route && !r.spec.roles.empty()) {
      std::string roles;
      for (const auto& role : r.spec.roles) roles += (roles.empty() ? "" : ", ") + role;
      description += (description.empty() ? "" : "\n\n") + std::string("Requires one of the roles: ") + roles;
      op["x-roles"] = r.spec.roles;
    }
    if (!description.empty()) op["description"] = description;
    if (!r.spec.tags.empty()) op["tags"] = r.spec.tags;
    nlohmann::json params = nlohmann::json::array();
    for (const auto& seg : r.segments)
      if (seg.size() > 2 && seg.front() == '{')
        params.push_back({{"name", seg.substr(1, seg.size() - 2)}, {"in", "path"}, {"required", true},
                          {"schema", {{"type", "string"}}}});
    for (const auto& q : r.spec.query) {
      nlohmann::json p = {{"name", q.name}, {"in", "query"}, {"required", q.required},
                          {"schema", q.schema.json_schema(&components)}};
      if (!q.description.empty()) p["description"] = q.description;
      params.push_back(std::move(p));
    }
    if (!params.empty()) op["parameters"] = params;
    if (r.spec.request_body)
      op["requestBody"] = {{"required", r.spec.request_body_required},
                           {"content", {{"application/json", {{"schema", r.spec.request_body->json_schema(&components)}}}}}};
    nlohmann::json responses = nlohmann::json::object();
    for (const auto& [status, schema] : r.spec.responses)
      responses[std::to_string(status)] = {
          {"description", reason_phrase(status)},
          {"content", {{r.spec.response_content_type, {{"schema", schema.json_schema(&components)}}}}}};
    if (r.spec.responses.empty()) {
      nlohmann::json content = {{r.spec.response_content_type, nlohmann::json::object()}};
      if (r.spec.response_content_type == "application/json") content[r.spec.response_content_type] = {{"schema", nlohmann::json::object()}};
      responses["200"] = {{"description", "OK"}, {"content", content}};
    }
    if (r.spec.request_body)
      responses["415"] = problem_response("The body's Content-Type is not JSON", components);
    if (r.spec.request_body || !r.spec.query.empty())
      responses["422"] = problem_response("The request does not conform (errors lists the fields)", components);
    if (options_.auth && !r.spec.public_route) {
      responses["401"] = problem_response("Missing or invalid credentials", components);
      responses["403"] = problem_response("The caller lacks the role", components);
      op["security"] = nlohmann::json::array({{{"ApiKey", nlohmann::json::array()}},
                                              {{"Bearer", nlohmann::json::array()}}});
    } else if (options_.auth) {
      op["security"] = nlohmann::json::array();
    }
    responses["default"] = problem_response("An error (RFC 9457 problem details)", components);
    op["responses"] = responses;
    std::string method;
    for (char c : r.method) method += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    paths[r.pattern][method] = op;
  }
  nlohmann::json doc = {{"openapi", "3.1.0"},
                        {"info", {{"title", options_.title}, {"version", options_.version}}},
                        {"paths", paths}};
  if (!options_.description.empty()) doc["info"]["description"] = options_.description;
  doc["components"]["schemas"] = components;
  if (options_.auth)
    doc["components"]["securitySchemes"] = {
        {"ApiKey", {{"type", "apiKey"}, {"in", "header"}, {"name", "X-API-Key"}}},
        {"Bearer", {{"type", "http"}, {"scheme", "bearer"}, {"bearerFormat", "JWT"}}}};
  return doc;
}

}  // namespace stead::http
