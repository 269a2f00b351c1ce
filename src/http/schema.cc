#include "stead/http_schema.h"

#include <cmath>
#include <stdexcept>

#include <re2/re2.h>

namespace stead::http {

void to_json(nlohmann::json& j, const FieldError& e) { j = {{"field", e.field}, {"message", e.message}}; }

namespace {

const char* type_name(Schema::Type t) {
  switch (t) {
    case Schema::Type::kString: return "string";
    case Schema::Type::kInteger: return "integer";
    case Schema::Type::kNumber: return "number";
    case Schema::Type::kBoolean: return "boolean";
    case Schema::Type::kArray: return "array";
    case Schema::Type::kObject: return "object";
    case Schema::Type::kAny: return "any";
  }
  return "any";
}

std::size_t utf8_length(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

std::string join_path(const std::string& base, const std::string& field) {
  return base.empty() ? field : base + "." + field;
}

std::string number_text(double v) {
  if (std::floor(v) == v && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  return nlohmann::json(v).dump();
}

}  // namespace

#define STEAD_SCHEMA_SETTER(fn, member, T) \
  Schema Schema::fn(T v) const {           \
    Schema s = *this;                      \
    s.member = std::move(v);               \
    return s;                              \
  }
STEAD_SCHEMA_SETTER(min_length, min_length_, std::size_t)
STEAD_SCHEMA_SETTER(max_length, max_length_, std::size_t)
STEAD_SCHEMA_SETTER(minimum, minimum_, double)
STEAD_SCHEMA_SETTER(maximum, maximum_, double)
STEAD_SCHEMA_SETTER(min_items, min_items_, std::size_t)
STEAD_SCHEMA_SETTER(max_items, max_items_, std::size_t)
STEAD_SCHEMA_SETTER(one_of_values, enum_, std::vector<nlohmann::json>)
STEAD_SCHEMA_SETTER(description, description_, std::string)
STEAD_SCHEMA_SETTER(additional_properties, additional_properties_, bool)
#undef STEAD_SCHEMA_SETTER

Schema Schema::example(nlohmann::json value) const {
  Schema s = *this;
  s.example_ = std::move(value);
  return s;
}

Schema Schema::pattern(std::string regex) const {
  RE2::Options options;
  options.set_log_errors(false);
  auto compiled = std::make_shared<const RE2>(regex, options);
  if (!compiled->ok())
    throw std::invalid_argument("Schema::pattern: '" + regex + "' is not a supported regular expression: " +
                                compiled->error());
  Schema s = *this;
  s.regex_ = std::move(compiled);
  s.pattern_ = std::move(regex);
  return s;
}

Schema Schema::nullable() const {
  Schema s = *this;
  s.nullable_ = true;
  return s;
}

Schema Schema::string() { Schema s; s.type_ = Type::kString; return s; }
Schema Schema::integer() { Schema s; s.type_ = Type::kInteger; return s; }
Schema Schema::number() { Schema s; s.type_ = Type::kNumber; return s; }
Schema Schema::boolean() { Schema s; s.type_ = Type::kBoolean; return s; }
Schema Schema::array(Schema items) {
  Schema s;
  s.type_ = Type::kArray;
  s.items_ = std::make_shared<const Schema>(std::move(items));
  return s;
}
Schema Schema::tuple(std::vector<Schema> items) {
  Schema s;
  s.type_ = Type::kArray;
  s.min_items_ = s.max_items_ = items.size();
  s.prefix_items_ = std::make_shared<const std::vector<Schema>>(std::move(items));
  return s;
}

Schema Schema::object(std::string name) {
  Schema s;
  s.type_ = Type::kObject;
  s.name_ = std::move(name);
  s.properties_ = std::make_shared<const std::vector<Property>>();
  return s;
}

Schema Schema::required(std::string field, Schema schema, std::string description) const {
  Schema s = *this;
  auto props = properties_ ? *properties_ : std::vector<Property>{};
  props.push_back({std::move(field), std::move(schema), true, std::move(description)});
  s.properties_ = std::make_shared<const std::vector<Property>>(std::move(props));
  s.type_ = Type::kObject;
  return s;
}

Schema Schema::optional(std::string field, Schema schema, std::string description) const {
  Schema s = required(std::move(field), std::move(schema), std::move(description));
  auto props = *s.properties_;
  props.back().required = false;
  s.properties_ = std::make_shared<const std::vector<Property>>(std::move(props));
  return s;
}

// A body of a million wrong items would otherwise answer with a million errors.
constexpr std::size_t kMaxFieldErrors = 100;

std::vector<FieldError> Schema::validate(const nlohmann::json& value) const {
  std::vector<FieldError> out;
  validate_into(value, "", out);
  return out;
}

void Schema::validate_into(const nlohmann::json& v, const std::string& path, std::vector<FieldError>& out) const {
  if (out.size() >= kMaxFieldErrors) return;
  auto fail = [&](std::string message) {
    if (out.size() < kMaxFieldErrors) out.push_back({path, std::move(message)});
  };
  if (v.is_null()) {
    if (!nullable_ && type_ != Type::kAny) fail(std::string("must be ") + type_name(type_) + ", not null");
    return;
  }
  switch (type_) {
    case Type::kAny: break;
    case Type::kString: {
      if (!v.is_string()) return fail("must be a string");
      const auto& s = v.get_ref<const std::string&>();
      std::size_t n = utf8_length(s);
      if (min_length_ && n < *min_length_) return fail("must be at least " + std::to_string(*min_length_) + " characters long");
      if (max_length_ && n > *max_length_) return fail("must be at most " + std::to_string(*max_length_) + " characters long");
      if (regex_ && !RE2::PartialMatch(s, *regex_)) return fail("must match the pattern " + pattern_);
      break;
    }
    case Type::kInteger:
    case Type::kNumber: {
      if (!v.is_number()) return fail(std::string("must be ") + (type_ == Type::kInteger ? "an integer" : "a number"));
      double d = v.get<double>();
      if (type_ == Type::kInteger && !v.is_number_integer() && std::floor(d) != d) return fail("must be an integer");
      if (minimum_ && d < *minimum_) return fail("must be at least " + number_text(*minimum_));
      if (maximum_ && d > *maximum_) fail("must be at most " + number_text(*maximum_));
      break;
    }
    case Type::kBoolean:
      if (!v.is_boolean()) return fail("must be a boolean");
      break;
    case Type::kArray: {
      if (!v.is_array()) return fail("must be an array");
      if (min_items_ && v.size() < *min_items_) return fail("must have at least " + std::to_string(*min_items_) + " items");
      if (max_items_ && v.size() > *max_items_) return fail("must have at most " + std::to_string(*max_items_) + " items");
      if (prefix_items_)
        for (std::size_t i = 0; i < v.size() && i < prefix_items_->size(); ++i)
          (*prefix_items_)[i].validate_into(v[i], path + "[" + std::to_string(i) + "]", out);
      if (items_)
        for (std::size_t i = 0; i < v.size() && out.size() < kMaxFieldErrors; ++i)
          items_->validate_into(v[i], path + "[" + std::to_string(i) + "]", out);
      break;
    }
    case Type::kObject: {
      if (!v.is_object()) return fail("must be an object");
      if (properties_) {
        for (const auto& p : *properties_) {
          auto it = v.find(p.name);
          if (it == v.end()) {
            if (p.required && out.size() < kMaxFieldErrors) out.push_back({join_path(path, p.name), "is required"});
            continue;
          }
          p.schema.validate_into(*it, join_path(path, p.name), out);
        }
        if (!additional_properties_)
          for (const auto& [key, _] : v.items()) {
            bool known = false;
            for (const auto& p : *properties_) known = known || p.name == key;
            if (!known && out.size() < kMaxFieldErrors) out.push_back({join_path(path, key), "is not an accepted field"});
          }
      }
      break;
    }
  }
  if (!enum_.empty()) {
    bool found = false;
    for (const auto& e : enum_) found = found || e == v;
    if (!found) {
      std::string allowed;
      for (const auto& e : enum_) allowed += (allowed.empty() ? "" : ", ") + e.dump();
      fail("must be one of " + allowed);
    }
  }
}

nlohmann::json Schema::json_schema(nlohmann::json* components, bool inline_self) const {
  if (!name_.empty() && components && !inline_self) {
    if (!components->contains(name_)) {
      (*components)[name_] = nullptr;  // reserve first: recursive references stop here
      (*components)[name_] = json_schema(components, true);
    }
    nlohmann::json ref = {{"$ref", "#/components/schemas/" + name_}};
    if (nullable_) return {{"anyOf", {ref, {{"type", "null"}}}}};
    return ref;
  }
  nlohmann::json j = nlohmann::json::object();
  if (type_ != Type::kAny) {
    if (nullable_) j["type"] = {type_name(type_), "null"};
    else j["type"] = type_name(type_);
  }
  if (!description_.empty()) j["description"] = description_;
  if (example_) j["examples"] = nlohmann::json::array({*example_});
  if (min_length_) j["minLength"] = *min_length_;
  if (max_length_) j["maxLength"] = *max_length_;
  if (!pattern_.empty()) j["pattern"] = pattern_;
  if (minimum_) j["minimum"] = *minimum_;
  if (maximum_) j["maximum"] = *maximum_;
  if (min_items_) j["minItems"] = *min_items_;
  if (max_items_) j["maxItems"] = *max_items_;
  if (!enum_.empty()) {
    j["enum"] = enum_;
    if (nullable_) j["enum"].push_back(nullptr);
  }
  if (items_) j["items"] = items_->json_schema(components);
  if (prefix_items_) {
    j["prefixItems"] = nlohmann::json::array();
    for (const auto& item : *prefix_items_) j["prefixItems"].push_back(item.json_schema(components));
  }
  if (type_ == Type::kObject) {
    nlohmann::json props = nlohmann::json::object();
    nlohmann::json required = nlohmann::json::array();
    if (properties_)
      for (const auto& p : *properties_) {
        props[p.name] = p.schema.json_schema(components);
        if (!p.description.empty() && !props[p.name].contains("$ref")) props[p.name]["description"] = p.description;
        if (p.required) required.push_back(p.name);
      }
    if (!props.empty()) j["properties"] = props;
    if (!required.empty()) j["required"] = required;
    if (!additional_properties_) j["additionalProperties"] = false;
  }
  return j;
}

ValidationError::ValidationError(std::vector<FieldError> errors, std::string detail)
    : HttpError([&] {
        Problem p = make_problem(422, std::move(detail), "urn:stead:problem:validation");
        p.extensions["errors"] = errors;
        return p;
      }()),
      errors_(std::move(errors)) {}

void validate_or_throw(const Schema& schema, const nlohmann::json& value) {
  auto errors = schema.validate(value);
  if (!errors.empty()) throw ValidationError(std::move(errors));
}

}  // namespace stead::http
