// Typed search attributes: values the server indexes for list_workflows / count_workflows.
//
//   .search_attributes = {{"CustomKeywordField", stead::Keyword{"gold"}},
//                         {"CustomIntField", int64_t{42}},
//                         {"CustomDatetimeField", std::chrono::system_clock::now()}}
//
// On the wire each value is a json/plain payload with a `type` metadata entry naming the
// attribute type (Keyword, Text, Int, Double, Bool, Datetime, KeywordList), as every
// Temporal SDK sends them. Datetimes are RFC 3339 strings in UTC. Search attributes are
// never passed through payload codecs: the server must read them.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "stead/payload.h"

namespace stead {

struct Keyword {
  std::string value{};
  bool operator==(const Keyword&) const = default;
};
struct Text {
  std::string value{};
  bool operator==(const Text&) const = default;
};
using KeywordList = std::vector<std::string>;

using SearchAttributeValue =
    std::variant<Keyword, Text, int64_t, double, bool, std::chrono::system_clock::time_point, KeywordList>;

using SearchAttributes = std::map<std::string, SearchAttributeValue>;

// The payload for one value: json/plain with metadata type = the attribute type name.
Payload search_attribute_payload(const SearchAttributeValue& value);

// The value a payload holds, using its `type` metadata (or, without one, the JSON type:
// string -> Keyword, integer -> int64_t, number -> double, bool, array -> KeywordList).
// Throws PayloadConversionError for payloads that hold none of these.
SearchAttributeValue search_attribute_value(const Payload& payload);

// Converts a whole indexed_fields map in either direction.
std::map<std::string, Payload> search_attribute_payloads(const SearchAttributes& attributes);
SearchAttributes to_search_attributes(const std::map<std::string, Payload>& payloads);

}  // namespace stead
