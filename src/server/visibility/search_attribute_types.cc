#include "server/visibility/search_attribute_types.h"

#include "server/visibility/ascii.h"

namespace stead::server::visibility {

namespace enums = temporal::api::enums::v1;

const SearchAttributeTypes& predefined_search_attribute_types() {
  static const SearchAttributeTypes* const kTypes = new SearchAttributeTypes{
      {"TemporalChangeVersion", enums::INDEXED_VALUE_TYPE_KEYWORD_LIST},
      {"BinaryChecksums", enums::INDEXED_VALUE_TYPE_KEYWORD_LIST},
      {"BuildIds", enums::INDEXED_VALUE_TYPE_KEYWORD_LIST},
      {"BatcherUser", enums::INDEXED_VALUE_TYPE_KEYWORD},
      {"TemporalScheduledStartTime", enums::INDEXED_VALUE_TYPE_DATETIME},
      {"TemporalScheduledById", enums::INDEXED_VALUE_TYPE_KEYWORD},
      {"TemporalSchedulePaused", enums::INDEXED_VALUE_TYPE_BOOL},
      {"TemporalNamespaceDivision", enums::INDEXED_VALUE_TYPE_KEYWORD},
      {"TemporalPauseInfo", enums::INDEXED_VALUE_TYPE_KEYWORD_LIST},
      {"TemporalReportedProblems", enums::INDEXED_VALUE_TYPE_KEYWORD_LIST},
      {"TemporalWorkerDeployment", enums::INDEXED_VALUE_TYPE_KEYWORD},
      {"TemporalWorkerDeploymentVersion", enums::INDEXED_VALUE_TYPE_KEYWORD},
      {"TemporalWorkflowVersioningBehavior", enums::INDEXED_VALUE_TYPE_KEYWORD},
  };
  return *kTypes;
}

bool lookup_search_attribute_type(const SearchAttributeTypes& custom, std::string_view name,
                                  IndexedValueType* type) {
  if (auto it = custom.find(name); it != custom.end()) {
    *type = it->second;
    return true;
  }
  const SearchAttributeTypes& predefined = predefined_search_attribute_types();
  if (auto it = predefined.find(name); it != predefined.end()) {
    *type = it->second;
    return true;
  }
  return false;
}

bool is_safe_attribute_name(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    const bool digit = c >= '0' && c <= '9';
    if (!alpha && !(digit && i > 0)) return false;
  }
  return true;
}

bool parse_indexed_value_type(std::string_view text, IndexedValueType* type) {
  static constexpr std::pair<std::string_view, IndexedValueType> kNames[] = {
      {"Keyword", enums::INDEXED_VALUE_TYPE_KEYWORD},
      {"Text", enums::INDEXED_VALUE_TYPE_TEXT},
      {"Int", enums::INDEXED_VALUE_TYPE_INT},
      {"Double", enums::INDEXED_VALUE_TYPE_DOUBLE},
      {"Bool", enums::INDEXED_VALUE_TYPE_BOOL},
      {"Datetime", enums::INDEXED_VALUE_TYPE_DATETIME},
      {"KeywordList", enums::INDEXED_VALUE_TYPE_KEYWORD_LIST},
      {"Keyword_List", enums::INDEXED_VALUE_TYPE_KEYWORD_LIST},
  };
  constexpr std::string_view kPrefix = "INDEXED_VALUE_TYPE_";
  if (text.size() > kPrefix.size() && ascii_iequals(text.substr(0, kPrefix.size()), kPrefix)) {
    text.remove_prefix(kPrefix.size());
  }
  for (const auto& [name, value] : kNames) {
    if (ascii_iequals(text, name)) {
      *type = value;
      return true;
    }
  }
  return false;
}

}  // namespace stead::server::visibility
