// Fuzz target: arbitrary bytes as a list-filter query (server/visibility/list_query.h).
//
// Checks, for every input, beyond "does not crash, hang or trip a sanitizer":
// - a failed translation is InvalidArgument "invalid query: ... at position N";
// - a successful one has exactly one `?` per param in where_sql and none in order_by_sql, and
//   SQLite accepts it: list_visibility and count_visibility over a small real store (rows with
//   custom attributes, so the JSON1 paths execute) return OK;
// - the input, read as a json/plain search attribute payload of each type, converts to JSON
//   that parses back.
//
// Built with -fsanitize=fuzzer when STEAD_FUZZ=ON (scripts/fuzz), otherwise linked with
// standalone_driver.cc to replay the seed corpus as a unit test.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "server/persistence/store.h"
#include "server/visibility/list_query.h"
#include "server/visibility/search_attributes_json.h"

namespace {

namespace enums = temporal::api::enums::v1;
namespace persistence = stead::server::persistence;
namespace visibility = stead::server::visibility;

#define FUZZ_CHECK(cond, what)                                                   \
  do {                                                                           \
    if (!(cond)) {                                                               \
      std::fprintf(stderr, "list_filter_fuzz: check failed: %s (%s)\n", #cond,  \
                   std::string(what).c_str());                                   \
      std::abort();                                                              \
    }                                                                            \
  } while (0)

const visibility::SearchAttributeTypes& types() {
  static const auto* const kTypes = new visibility::SearchAttributeTypes{
      {"CustomKeyword", enums::INDEXED_VALUE_TYPE_KEYWORD},
      {"CustomText", enums::INDEXED_VALUE_TYPE_TEXT},
      {"CustomInt", enums::INDEXED_VALUE_TYPE_INT},
      {"CustomDouble", enums::INDEXED_VALUE_TYPE_DOUBLE},
      {"CustomBool", enums::INDEXED_VALUE_TYPE_BOOL},
      {"CustomDatetime", enums::INDEXED_VALUE_TYPE_DATETIME},
      {"CustomKeywordList", enums::INDEXED_VALUE_TYPE_KEYWORD_LIST},
  };
  return *kTypes;
}

persistence::Store* store() {
  static persistence::Store* const kStore = [] {
    std::unique_ptr<persistence::Store> s;
    stead::Status st = persistence::open_sqlite_store("", &s);
    FUZZ_CHECK(st.ok(), st.ToString());
    persistence::WriteBatch batch;
    const char* const kJson[] = {
        "{}",
        R"({"CustomKeyword":"a","CustomInt":5,"CustomDouble":1.5,"CustomBool":true,)"
        R"("CustomKeywordList":["x","y"],"CustomDatetime":"2026-01-02T03:04:05.000000000Z",)"
        R"("CustomText":"hello world"})",
        R"({"CustomKeyword":["odd"],"CustomInt":"text","CustomKeywordList":"scalar"})",
    };
    for (int i = 0; i < 3; ++i) {
      persistence::VisibilityRow row;
      row.key = {"default", "wf-" + std::to_string(i), "run-" + std::to_string(i)};
      row.workflow_type = "T";
      row.task_queue = "tq";
      row.status = i + 1;
      row.start_time_ms = 1767225600000 + i;
      row.execution_time_ms = row.start_time_ms;
      row.close_time_ms = i == 0 ? 0 : row.start_time_ms + 1000;
      row.parent_workflow_id = i == 2 ? "wf-1" : "";
      row.search_attributes_json = kJson[i];
      batch.visibility.push_back(row);
    }
    st = s->commit_sync(std::move(batch));
    FUZZ_CHECK(st.ok(), st.ToString());
    return s.release();  // lives for the process; reachable, so not a leak to LSan
  }();
  return kStore;
}

size_t count_placeholders(const std::string& sql) {
  size_t n = 0;
  for (char c : sql) n += c == '?' ? 1 : 0;
  return n;
}

void check_query(const std::string& query) {
  visibility::ListQuery q;
  stead::Status s = visibility::translate_list_query(query, types(), &q);
  if (!s.ok()) {
    FUZZ_CHECK(s.code() == stead::StatusCode::kInvalidArgument, s.ToString());
    FUZZ_CHECK(s.message().rfind("invalid query: ", 0) == 0, s.message());
    FUZZ_CHECK(s.message().find(" at position ") != std::string::npos, s.message());
    return;
  }
  FUZZ_CHECK(count_placeholders(q.where_sql) == q.params.size(), q.where_sql);
  FUZZ_CHECK(count_placeholders(q.order_by_sql) == 0, q.order_by_sql);
  std::vector<persistence::VisibilityRow> rows;
  s = store()->list_visibility("default", q.where_sql, q.params, 0, 10, &rows, q.order_by_sql);
  FUZZ_CHECK(s.ok(), s.ToString() + " for " + q.where_sql + " ORDER BY " + q.order_by_sql);
  int64_t count = -1;
  const visibility::ListQuery counted =
      q.group_by_status ? visibility::restrict_to_status(q, 1) : q;
  s = store()->count_visibility("default", counted.where_sql, counted.params, &count);
  FUZZ_CHECK(s.ok(), s.ToString() + " for " + counted.where_sql);
  FUZZ_CHECK(count >= 0 && count <= 3, std::to_string(count));
}

void check_payload(const std::string& data) {
  temporal::api::common::v1::SearchAttributes sa;
  for (const char* type : {"Keyword", "Int", "Datetime", "KeywordList", ""}) {
    temporal::api::common::v1::Payload p;
    (*p.mutable_metadata())["encoding"] = "json/plain";
    (*p.mutable_metadata())["type"] = type;
    p.set_data(data);
    (*sa.mutable_indexed_fields())[std::string("A") + type] = p;
  }
  std::string json;
  stead::Status s = visibility::search_attributes_to_json(sa, types(), &json);
  FUZZ_CHECK(s.ok() || s.code() == stead::StatusCode::kInvalidArgument, s.ToString());
  FUZZ_CHECK(nlohmann::json::accept(json), json);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  check_query(input);
  check_payload(input);
  return 0;
}
