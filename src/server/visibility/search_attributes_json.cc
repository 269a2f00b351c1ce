#include "server/visibility/search_attributes_json.h"

#include <algorithm>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/visibility/time_values.h"

namespace stead::server::visibility {

namespace enums = temporal::api::enums::v1;
using Json = nlohmann::json;

namespace {

std::string metadata(const temporal::api::common::v1::Payload& p, const std::string& key) {
  auto it = p.metadata().find(key);
  return it == p.metadata().end() ? std::string() : it->second;
}

void normalise(IndexedValueType type, Json* v) {
  if (type == enums::INDEXED_VALUE_TYPE_KEYWORD_LIST) {
    if (v->is_string()) *v = Json::array({std::move(*v)});
    return;
  }
  if (v->is_array() && v->size() == 1) {
    Json first = std::move((*v)[0]);
    *v = std::move(first);
  }
  if (type == enums::INDEXED_VALUE_TYPE_DATETIME && v->is_string()) {
    UnixTime t;
    std::string fixed;
    if (parse_rfc3339(v->get_ref<const std::string&>(), &t) && format_fixed_utc(t, &fixed)) {
      *v = std::move(fixed);
    }
  }
}

}  // namespace

Status search_attributes_to_json(const temporal::api::common::v1::SearchAttributes& attributes,
                                 const SearchAttributeTypes& types, std::string* out) {
  // Protobuf maps iterate in no particular order; sort so the first error is deterministic.
  std::vector<const std::string*> names;
  names.reserve(attributes.indexed_fields().size());
  for (const auto& [name, payload] : attributes.indexed_fields()) names.push_back(&name);
  std::sort(names.begin(), names.end(),
            [](const std::string* a, const std::string* b) { return *a < *b; });

  Json object = Json::object();
  Status first_error;
  auto fail = [&](const std::string& name, const std::string& why) {
    if (first_error.ok()) {
      first_error = Status::InvalidArgument("search attribute '" + name + "': " + why);
    }
  };
  for (const std::string* name : names) {
    const temporal::api::common::v1::Payload& payload = attributes.indexed_fields().at(*name);
    const std::string encoding = metadata(payload, "encoding");
    if (encoding == "binary/null") continue;
    if (encoding != "json/plain") {
      fail(*name, "encoding '" + encoding + "' is not json/plain");
      continue;
    }
    Json value = Json::parse(payload.data(), /*cb=*/nullptr, /*allow_exceptions=*/false);
    if (value.is_discarded()) {
      fail(*name, "payload is not valid JSON");
      continue;
    }
    if (value.is_null()) continue;
    IndexedValueType type = enums::INDEXED_VALUE_TYPE_UNSPECIFIED;
    if (!lookup_search_attribute_type(types, *name, &type)) {
      parse_indexed_value_type(metadata(payload, "type"), &type);
    }
    normalise(type, &value);
    object[*name] = std::move(value);
  }
  // `replace`: invalid UTF-8 in a name or string must not throw; SQLite's JSON1 needs valid
  // JSON text, which the replacement character keeps it.
  *out = object.dump(-1, ' ', false, Json::error_handler_t::replace);
  return first_error;
}

}  // namespace stead::server::visibility
