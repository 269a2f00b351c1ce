// search_attributes_json: a run's SearchAttributes as the JSON object stored in the visibility
// table's search_attributes_json column, where SQLite's JSON1 functions can filter on it
// (list_query.h translates filters on custom attributes to json_extract / json_each).
//
// The object maps each attribute name to its decoded value:
//   {"CustomerId": "c-42", "Priority": 3, "Score": 0.5, "Vip": true,
//    "Tags": ["a", "b"], "DueAt": "2026-01-02T03:04:05.000000000Z"}
// - Payloads must be `json/plain` (Temporal's encoding for search attributes); the data is
//   parsed as JSON. A `binary/null` payload, or JSON null, means "unset": the name is left
//   out, as Temporal drops an attribute upserted to null.
// - The type is the registered one (custom registry, then predefined), else the payload's
//   `type` metadata (Keyword, Text, Int, Double, Bool, Datetime, KeywordList), else none:
//   the value is stored as decoded.
// - KeywordList: a single string is stored as a one-element array. Other types: a one-element
//   array is unwrapped (older SDKs send every value as a list).
// - Datetime: an RFC 3339 string is normalised to the fixed-width UTC form
//   YYYY-MM-DDTHH:MM:SS.NNNNNNNNNZ (time_values.h format_fixed_utc), in which text order is
//   time order, so SQL compares datetimes as text at full nanosecond precision; a string that
//   does not parse is kept as is. Datetime query values are normalised the same way.
#pragma once

#include <string>

#include "common/status.h"
#include "server/visibility/search_attribute_types.h"
#include "temporal/api/common/v1/message.pb.h"

namespace stead::server::visibility {

// Writes the JSON object for `attributes` into *out (compact; "{}" when there are none).
// `types` is the namespace's custom registry (may be empty). Returns OK, or InvalidArgument
// naming the first attribute (by name order) whose payload is not json/plain or not valid
// JSON; *out then still holds the object of every other attribute, so a caller may log the
// error and store the rest.
Status search_attributes_to_json(const temporal::api::common::v1::SearchAttributes& attributes,
                                 const SearchAttributeTypes& types, std::string* out);

}  // namespace stead::server::visibility
