// stead::http::Schema: declared types of request and response bodies, validated at run time
// and published as JSON Schema in the OpenAPI document.
//
//   using stead::http::Schema;
//   const Schema kOrderRequest = Schema::object("OrderRequest")
//       .required("order_id", Schema::string().min_length(1).max_length(64).pattern("^[A-Za-z0-9-]+$"))
//       .optional("quantity", Schema::integer().minimum(1).maximum(100));
//   OrderRequest req = stead::http::parse_body<OrderRequest>(request, kOrderRequest);  // or 422
//
// validate() collects every offending field (not just the first) as FieldErrors whose
// `field` is a path into the document: "order_id", "items[2].qty", "" for the root. Each field
// reports its first violation only: a string too long is not also searched for its pattern,
// an array with too many items is not examined item by item; at most 100 errors are reported.
// A ValidationError answers 422 with {"errors": [{"field", "message"}, ...]}.
// Unknown object members are accepted unless additional_properties(false) is set
// (pydantic's default); integers must be whole numbers; null is accepted only by nullable().
//
// Thread safety: a Schema is an immutable value after construction (builder methods return
// modified copies); share it freely.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "stead/http_message.h"
#include "stead/http_problem.h"

namespace re2 {
class RE2;
}

namespace stead::http {

struct FieldError {
  std::string field{};
  std::string message{};
};
void to_json(nlohmann::json& j, const FieldError& e);

class Schema {
 public:
  enum class Type { kAny, kString, kInteger, kNumber, kBoolean, kArray, kObject };

  Schema() = default;  // any value
  static Schema any() { return Schema(); }
  static Schema string();
  static Schema integer();
  static Schema number();
  static Schema boolean();
  static Schema array(Schema items);
  // An array of exactly these items, by position (JSON Schema "prefixItems").
  static Schema tuple(std::vector<Schema> items);
  // `name`, when given, makes the schema a named component (#/components/schemas/<name>).
  static Schema object(std::string name = "");

  // Builders (each returns a modified copy).
  Schema required(std::string field, Schema schema, std::string description = "") const;
  Schema optional(std::string field, Schema schema, std::string description = "") const;
  Schema additional_properties(bool allowed) const;
  Schema min_length(std::size_t n) const;  // strings, in code points
  Schema max_length(std::size_t n) const;
  // Strings; searched, anchor it yourself. Matched by RE2 in time linear in the input, never
  // recursively, so no request can exhaust the stack or the CPU. The ECMAScript syntax OpenAPI
  // uses is accepted except backreferences and lookaround, which RE2 does not implement.
  // Throws std::invalid_argument (naming the pattern and RE2's reason) when it does not compile.
  Schema pattern(std::string regex) const;
  Schema minimum(double v) const;  // integers and numbers
  Schema maximum(double v) const;
  Schema min_items(std::size_t n) const;  // arrays
  Schema max_items(std::size_t n) const;
  Schema one_of_values(std::vector<nlohmann::json> values) const;  // "enum"
  Schema nullable() const;
  Schema description(std::string text) const;
  Schema example(nlohmann::json value) const;

  Type type() const { return type_; }
  const std::string& name() const { return name_; }

  // Every way `value` violates the schema; empty when it conforms.
  std::vector<FieldError> validate(const nlohmann::json& value) const;

  // JSON Schema 2020-12 (OpenAPI 3.1). Named object schemas nested inside are written as
  // {"$ref": "#/components/schemas/<name>"} and added to `components` (when not null); the
  // schema itself is inlined when `inline_self` is true.
  nlohmann::json json_schema(nlohmann::json* components = nullptr, bool inline_self = false) const;

 private:
  struct Property;
  void validate_into(const nlohmann::json& value, const std::string& path, std::vector<FieldError>& out) const;

  Type type_ = Type::kAny;
  std::string name_{};
  std::string description_{};
  std::optional<nlohmann::json> example_{};
  bool nullable_ = false;
  std::optional<std::size_t> min_length_{}, max_length_{}, min_items_{}, max_items_{};
  std::optional<double> minimum_{}, maximum_{};
  std::string pattern_{};
  std::shared_ptr<const re2::RE2> regex_{};
  std::vector<nlohmann::json> enum_{};
  std::shared_ptr<const Schema> items_{};
  std::shared_ptr<const std::vector<Schema>> prefix_items_{};
  std::shared_ptr<const std::vector<Property>> properties_{};
  bool additional_properties_ = true;
};

struct Schema::Property {
  std::string name;
  Schema schema;
  bool required;
  std::string description;
};

// The 422 a failed validation answers with ({"errors": [...]} in the problem).
class ValidationError : public HttpError {
 public:
  explicit ValidationError(std::vector<FieldError> errors, std::string detail = "the request is not valid");
  const std::vector<FieldError>& errors() const { return errors_; }

 private:
  std::vector<FieldError> errors_;
};

// Throws ValidationError when `value` does not conform to `schema`.
void validate_or_throw(const Schema& schema, const nlohmann::json& value);

// The request body as a T: parsed (HttpError 400 when not JSON), validated against `schema`
// (ValidationError 422), then converted with nlohmann's from_json (a failure there is a 422
// too). T needs from_json (e.g. NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE).
template <class T>
T parse_body(const Request& request, const Schema& schema) {
  nlohmann::json body = request.json();
  validate_or_throw(schema, body);
  try {
    return body.get<T>();
  } catch (const nlohmann::json::exception& e) {
    throw ValidationError(std::vector<FieldError>{FieldError{"", e.what()}});
  }
}

}  // namespace stead::http
