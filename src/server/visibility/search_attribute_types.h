// Search attribute types: the registry the translator consults for custom attributes, the
// predefined attributes Temporal SDKs and the UI use without registering them, and the rule
// for names that may be put into a JSON path.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "temporal/api/enums/v1/common.pb.h"

namespace stead::server::visibility {

using IndexedValueType = temporal::api::enums::v1::IndexedValueType;

// Custom search attributes of a namespace: name -> type. Names are case-sensitive, as in
// Temporal.
using SearchAttributeTypes = std::map<std::string, IndexedValueType, std::less<>>;

// Attributes that Temporal defines but stores among the custom ones (so they live in
// search_attributes_json, not in a column of their own): TemporalChangeVersion,
// BinaryChecksums, BuildIds, BatcherUser, TemporalScheduledStartTime, TemporalScheduledById,
// TemporalSchedulePaused, TemporalNamespaceDivision, TemporalPauseInfo,
// TemporalReportedProblems, TemporalWorkerDeployment, TemporalWorkerDeploymentVersion,
// TemporalWorkflowVersioningBehavior. Queries may name them without registering them; a
// custom registration of the same name takes precedence.
const SearchAttributeTypes& predefined_search_attribute_types();

// Type of `name`: the custom registration if any, else the predefined one. Returns false
// when neither knows the name.
bool lookup_search_attribute_type(const SearchAttributeTypes& custom, std::string_view name,
                                  IndexedValueType* type);

// True when `name` matches [A-Za-z_][A-Za-z0-9_]*, the only names the translator will place
// inside a JSON path in SQL text.
bool is_safe_attribute_name(std::string_view name);

// Parses a payload's `type` metadata: "Keyword", "Text", "Int", "Double", "Bool", "Datetime",
// "KeywordList" (any case), or the enum spelling "INDEXED_VALUE_TYPE_KEYWORD" etc. Returns
// false for anything else.
bool parse_indexed_value_type(std::string_view text, IndexedValueType* type);

}  // namespace stead::server::visibility
