// The visibility list-filter language: lexer, parser, SQL translation, time values, the
// search-attribute JSON, and the translated queries run against a real in-memory SQLite store.

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "server/persistence/store.h"
#include "server/visibility/execution_status.h"
#include "server/visibility/list_query.h"
#include "server/visibility/query_parser.h"
#include "server/visibility/search_attributes_json.h"
#include "server/visibility/time_values.h"
#include "temporal/api/common/v1/message.pb.h"

namespace stead::server::visibility {
namespace {

namespace enums = temporal::api::enums::v1;
using persistence::VisibilityRow;

SearchAttributeTypes registry() {
  return {
      {"CustomerId", enums::INDEXED_VALUE_TYPE_KEYWORD},
      {"Priority", enums::INDEXED_VALUE_TYPE_INT},
      {"Score", enums::INDEXED_VALUE_TYPE_DOUBLE},
      {"Vip", enums::INDEXED_VALUE_TYPE_BOOL},
      {"Tags", enums::INDEXED_VALUE_TYPE_KEYWORD_LIST},
      {"DueAt", enums::INDEXED_VALUE_TYPE_DATETIME},
      {"Notes", enums::INDEXED_VALUE_TYPE_TEXT},
      {"Order", enums::INDEXED_VALUE_TYPE_KEYWORD},  // a keyword: usable only in backticks
  };
}

ListQuery translate_ok(const std::string& query) {
  ListQuery q;
  Status s = translate_list_query(query, registry(), &q);
  EXPECT_TRUE(s.ok()) << query << " -> " << s.ToString();
  return q;
}

std::string error_of(const std::string& query) {
  ListQuery q;
  Status s = translate_list_query(query, registry(), &q);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << query;
  return s.message();
}

// ---------------------------------------------------------------------------------------------
// Parsing and translation to SQL text.

TEST(ListFilterParse, EmptyQueryMatchesEverythingInDefaultOrder) {
  for (const char* query : {"", "   ", "\t\n"}) {
    ListQuery q = translate_ok(query);
    EXPECT_EQ(q.where_sql, "");
    EXPECT_TRUE(q.params.empty());
    EXPECT_EQ(q.order_by_sql, "");
    EXPECT_FALSE(q.group_by_status);
  }
}

TEST(ListFilterParse, EveryComparisonOperator) {
  const std::pair<const char*, const char*> cases[] = {
      {"WorkflowId = 'a'", "workflow_id = ?"},   {"WorkflowId != 'a'", "workflow_id != ?"},
      {"WorkflowId <> 'a'", "workflow_id != ?"}, {"WorkflowId < 'a'", "workflow_id < ?"},
      {"WorkflowId <= 'a'", "workflow_id <= ?"}, {"WorkflowId > 'a'", "workflow_id > ?"},
      {"WorkflowId >= 'a'", "workflow_id >= ?"},
  };
  for (const auto& [query, sql] : cases) {
    ListQuery q = translate_ok(query);
    EXPECT_EQ(q.where_sql, sql) << query;
    EXPECT_EQ(q.params, std::vector<std::string>{"a"}) << query;
  }
}

TEST(ListFilterParse, InBetweenStartsWithAndNullForms) {
  ListQuery q = translate_ok("WorkflowType IN ('A', \"B\", 'C')");
  EXPECT_EQ(q.where_sql, "workflow_type IN (?, ?, ?)");
  EXPECT_EQ(q.params, (std::vector<std::string>{"A", "B", "C"}));

  q = translate_ok("WorkflowType NOT IN ('A')");
  EXPECT_EQ(q.where_sql, "workflow_type NOT IN (?)");

  q = translate_ok("HistoryLength BETWEEN 2 AND 10");
  EXPECT_EQ(q.where_sql, "history_length BETWEEN CAST(? AS INTEGER) AND CAST(? AS INTEGER)");
  EXPECT_EQ(q.params, (std::vector<std::string>{"2", "10"}));

  q = translate_ok("HistoryLength NOT BETWEEN -2 AND 10");
  EXPECT_EQ(q.where_sql, "history_length NOT BETWEEN CAST(? AS INTEGER) AND CAST(? AS INTEGER)");
  EXPECT_EQ(q.params, (std::vector<std::string>{"-2", "10"}));

  q = translate_ok("WorkflowId STARTS_WITH 'order-'");
  EXPECT_EQ(q.where_sql, "instr(workflow_id, ?) = 1");
  EXPECT_EQ(q.params, std::vector<std::string>{"order-"});

  q = translate_ok("WorkflowId NOT STARTS_WITH 'order-'");
  EXPECT_EQ(q.where_sql, "instr(workflow_id, ?) != 1");

  q = translate_ok("CloseTime IS NULL");
  EXPECT_EQ(q.where_sql, "close_time_ms = 0");
  EXPECT_TRUE(q.params.empty());
  q = translate_ok("CloseTime IS NOT NULL");
  EXPECT_EQ(q.where_sql, "NOT (close_time_ms = 0)");
  q = translate_ok("CustomerId IS NULL");
  EXPECT_EQ(q.where_sql, "json_extract(search_attributes_json, '$.\"CustomerId\"') IS NULL");
}

TEST(ListFilterParse, AndBindsTighterThanOr) {
  ListQuery q = translate_ok("WorkflowId = 'a' OR WorkflowType = 'b' AND TaskQueue = 'c'");
  EXPECT_EQ(q.where_sql, "(workflow_id = ?) OR ((workflow_type = ?) AND (task_queue = ?))");
  EXPECT_EQ(q.params, (std::vector<std::string>{"a", "b", "c"}));

  q = translate_ok("WorkflowId = 'a' AND WorkflowType = 'b' OR TaskQueue = 'c'");
  EXPECT_EQ(q.where_sql, "((workflow_id = ?) AND (workflow_type = ?)) OR (task_queue = ?)");
}

TEST(ListFilterParse, ParenthesesOverridePrecedence) {
  ListQuery q = translate_ok("(WorkflowId = 'a' OR WorkflowType = 'b') AND TaskQueue = 'c'");
  EXPECT_EQ(q.where_sql, "((workflow_id = ?) OR (workflow_type = ?)) AND (task_queue = ?)");
  q = translate_ok("((WorkflowId = 'a'))");
  EXPECT_EQ(q.where_sql, "workflow_id = ?");
}

TEST(ListFilterParse, NotIsTwoValued) {
  ListQuery q = translate_ok("NOT WorkflowId = 'a' AND NOT (TaskQueue = 'b' OR TaskQueue = 'c')");
  EXPECT_EQ(q.where_sql,
            "(NOT COALESCE((workflow_id = ?), 0)) AND "
            "(NOT COALESCE(((task_queue = ?) OR (task_queue = ?)), 0))");
}

TEST(ListFilterParse, KeywordsAreCaseInsensitive) {
  ListQuery q = translate_ok(
      "WorkflowId = 'a' and WorkflowType in ('b') Or TaskQueue starts_with 'c' "
      "order by StartTime desc, WorkflowId");
  EXPECT_EQ(q.where_sql,
            "((workflow_id = ?) AND (workflow_type IN (?))) OR (instr(task_queue, ?) = 1)");
  EXPECT_EQ(q.order_by_sql, "start_time_ms DESC, workflow_id ASC");
  EXPECT_EQ(translate_ok("CloseTime is not null").where_sql, "NOT (close_time_ms = 0)");
  EXPECT_EQ(translate_ok("Vip = TRUE").params, std::vector<std::string>{"1"});
}

TEST(ListFilterParse, BacktickIdentifiers) {
  ListQuery q = translate_ok(
      "`ExecutionStatus` = \"Running\" AND `TemporalReportedProblems` IN "
      "(\"category=WorkflowTaskFailed\", \"category=WorkflowTaskTimedOut\")");
  EXPECT_EQ(q.where_sql,
            "(status = CAST(? AS INTEGER)) AND (EXISTS (SELECT 1 FROM "
            "json_each(search_attributes_json, '$.\"TemporalReportedProblems\"') WHERE value IN "
            "(?, ?)))");
  EXPECT_EQ(q.params, (std::vector<std::string>{"1", "category=WorkflowTaskFailed",
                                                "category=WorkflowTaskTimedOut"}));
  // A keyword names an attribute only in backticks.
  q = translate_ok("`Order` = 'x'");
  EXPECT_EQ(q.where_sql, "json_extract(search_attributes_json, '$.\"Order\"') = ?");
  EXPECT_EQ(error_of("Order = 'x'"),
            "invalid query: syntax error at position 7: unexpected token '='; expected BY");
  EXPECT_EQ(error_of("WorkflowId = 'a' AND Order = 'x'"),
            "invalid query: syntax error at position 22: unexpected token 'Order'; expected a search attribute "
            "name");
}

TEST(ListFilterParse, StringEscapes) {
  EXPECT_EQ(translate_ok("WorkflowId = 'it''s'").params, std::vector<std::string>{"it's"});
  EXPECT_EQ(translate_ok("WorkflowId = \"say \"\"hi\"\"\"").params,
            std::vector<std::string>{"say \"hi\""});
  EXPECT_EQ(translate_ok("WorkflowId = 'a\\'b\\\\c\\nd'").params,
            std::vector<std::string>{"a'b\\c\nd"});
  EXPECT_EQ(translate_ok("WorkflowId = ''").params, std::vector<std::string>{""});
  EXPECT_EQ(translate_ok("WorkflowId = 'h\xC3\xA9llo'").params,
            std::vector<std::string>{"h\xC3\xA9llo"});
}

TEST(ListFilterParse, NumbersAndBooleans) {
  EXPECT_EQ(translate_ok("Priority = -42").params, std::vector<std::string>{"-42"});
  EXPECT_EQ(translate_ok("Priority = -9223372036854775808").params,
            std::vector<std::string>{"-9223372036854775808"});
  EXPECT_EQ(translate_ok("Score > 1.5").params, std::vector<std::string>{"1.5"});
  EXPECT_EQ(translate_ok("Score > .25").params, std::vector<std::string>{"0.25"});
  EXPECT_EQ(translate_ok("Score > 2e3").params, std::vector<std::string>{"2000"});
  EXPECT_EQ(translate_ok("Score > 3").where_sql,
            "json_extract(search_attributes_json, '$.\"Score\"') > CAST(? AS REAL)");
  EXPECT_EQ(translate_ok("Vip = false").params, std::vector<std::string>{"0"});
  EXPECT_EQ(translate_ok("Vip != 'true'").params, std::vector<std::string>{"1"});
}

TEST(ListFilterParse, ExecutionStatusNamesAndNumbers) {
  const std::pair<const char*, const char*> cases[] = {
      {"Running", "1"},    {"Completed", "2"},      {"Failed", "3"},   {"Canceled", "4"},
      {"Terminated", "5"}, {"ContinuedAsNew", "6"}, {"TimedOut", "7"}, {"running", "1"},
      {"WORKFLOW_EXECUTION_STATUS_TIMED_OUT", "7"},
  };
  for (const auto& [name, number] : cases) {
    ListQuery q = translate_ok(std::string("ExecutionStatus = '") + name + "'");
    EXPECT_EQ(q.where_sql, "status = CAST(? AS INTEGER)");
    EXPECT_EQ(q.params, std::vector<std::string>{number}) << name;
  }
  EXPECT_EQ(translate_ok("ExecutionStatus = 2").params, std::vector<std::string>{"2"});
  EXPECT_EQ(translate_ok("ExecutionStatus IN ('Running', 'Failed')").params,
            (std::vector<std::string>{"1", "3"}));
  EXPECT_EQ(execution_status_name(6), "ContinuedAsNew");
  EXPECT_EQ(execution_status_name(0), "Unspecified");
}

TEST(ListFilterParse, TimeValuesBecomeUnixMillis) {
  ListQuery q = translate_ok("StartTime > '2026-01-02T03:04:05Z'");
  EXPECT_EQ(q.where_sql, "start_time_ms > CAST(? AS INTEGER)");
  EXPECT_EQ(q.params, std::vector<std::string>{"1767323045000"});
  EXPECT_EQ(translate_ok("StartTime > '2026-01-02T03:04:05.123456789+05:30'").params,
            std::vector<std::string>{"1767303245123"});
  // Integer values are unix nanoseconds, as in Temporal.
  EXPECT_EQ(translate_ok("ExecutionTime <= 1767323045999999999").params,
            std::vector<std::string>{"1767323045999"});
  EXPECT_EQ(translate_ok("CloseTime < '2026-01-02T03:04:05Z'").where_sql,
            "NULLIF(close_time_ms, 0) < CAST(? AS INTEGER)");
  EXPECT_EQ(translate_ok("ExecutionDuration > '1h30m'").params,
            std::vector<std::string>{"5400000"});
  EXPECT_EQ(translate_ok("ExecutionDuration > 1500000").params, std::vector<std::string>{"1"});
  // Datetime custom attributes compare as fixed-width UTC text.
  q = translate_ok("DueAt >= '2026-01-02T05:04:05.5+02:00'");
  EXPECT_EQ(q.where_sql, "json_extract(search_attributes_json, '$.\"DueAt\"') >= ?");
  EXPECT_EQ(q.params, std::vector<std::string>{"2026-01-02T03:04:05.500000000Z"});
}

TEST(ListFilterParse, OrderByAndGroupBy) {
  ListQuery q = translate_ok("ORDER BY StartTime");
  EXPECT_EQ(q.where_sql, "");
  EXPECT_EQ(q.order_by_sql, "start_time_ms ASC");
  q = translate_ok("WorkflowType = 'A' ORDER BY CloseTime DESC, Priority, `CustomerId` ASC");
  EXPECT_EQ(q.order_by_sql,
            "close_time_ms DESC, json_extract(search_attributes_json, '$.\"Priority\"') ASC, "
            "json_extract(search_attributes_json, '$.\"CustomerId\"') ASC");

  q = translate_ok("GROUP BY ExecutionStatus");
  EXPECT_TRUE(q.group_by_status);
  EXPECT_EQ(q.where_sql, "");
  q = translate_ok("WorkflowType = 'A' group by `ExecutionStatus`");
  EXPECT_TRUE(q.group_by_status);
  EXPECT_EQ(q.where_sql, "workflow_type = ?");

  ListQuery running = restrict_to_status(q, 1);
  EXPECT_EQ(running.where_sql, "(workflow_type = ?) AND status = CAST(? AS INTEGER)");
  EXPECT_EQ(running.params, (std::vector<std::string>{"A", "1"}));
  EXPECT_FALSE(running.group_by_status);
  EXPECT_EQ(restrict_to_status(ListQuery{}, 2).where_sql, "status = CAST(? AS INTEGER)");
}

TEST(ListFilterParse, CustomAttributeShapes) {
  EXPECT_EQ(translate_ok("Priority = 3").where_sql,
            "json_extract(search_attributes_json, '$.\"Priority\"') = CAST(? AS INTEGER)");
  EXPECT_EQ(translate_ok("Tags = 'a'").where_sql,
            "EXISTS (SELECT 1 FROM json_each(search_attributes_json, '$.\"Tags\"') WHERE "
            "value = ?)");
  EXPECT_EQ(translate_ok("Tags != 'a'").where_sql,
            "NOT EXISTS (SELECT 1 FROM json_each(search_attributes_json, '$.\"Tags\"') WHERE "
            "value = ?)");
  EXPECT_EQ(translate_ok("Tags NOT IN ('a', 'b')").where_sql,
            "NOT EXISTS (SELECT 1 FROM json_each(search_attributes_json, '$.\"Tags\"') WHERE "
            "value IN (?, ?))");
  EXPECT_EQ(translate_ok("Notes = 'word'").where_sql,
            "instr(json_extract(search_attributes_json, '$.\"Notes\"'), ?) > 0");
  // Predefined attributes need no registration.
  EXPECT_EQ(translate_ok("TemporalChangeVersion = 'fix-1'").params,
            std::vector<std::string>{"fix-1"});
}

// ---------------------------------------------------------------------------------------------
// Errors: InvalidArgument naming the problem and the 1-based character position.

TEST(ListFilterErrors, SyntaxErrorsNameTokenAndPosition) {
  EXPECT_EQ(error_of("WorkflowId = )"),
            "invalid query: syntax error at position 14: unexpected token ')'; expected a value");
  EXPECT_EQ(error_of("(WorkflowId = 'x'))"),
            "invalid query: syntax error at position 19: unexpected token ')'; expected AND, OR, ORDER BY or "
            "the end of the query");
  EXPECT_EQ(error_of("WorkflowId ="),
            "invalid query: syntax error at position 13: unexpected end of query; expected a value");
  EXPECT_EQ(error_of("(WorkflowId = 'x'"),
            "invalid query: syntax error at position 18: unexpected end of query; expected ')'");
  EXPECT_EQ(error_of("WorkflowId = 'abc"), "invalid query: syntax error at position 14: unterminated string");
  EXPECT_EQ(error_of("`WorkflowId = 'abc'"),
            "invalid query: syntax error at position 1: unterminated quoted identifier");
  EXPECT_EQ(error_of("WorkflowId = 'x' & 1"),
            "invalid query: syntax error at position 18: unexpected character '&'");
  EXPECT_EQ(error_of("HistoryLength = 12ab"),
            "invalid query: syntax error at position 17: invalid number '12ab'");
  EXPECT_EQ(error_of("HistoryLength = 99999999999999999999"),
            "invalid query: syntax error at position 17: integer '99999999999999999999' is out of range");
  EXPECT_EQ(error_of("Score = 1e999"),
            "invalid query: syntax error at position 9: number '1e999' is out of range");
  EXPECT_EQ(error_of("WorkflowId 'x'"),
            "invalid query: syntax error at position 12: unexpected token ''x''; expected an operator");
  EXPECT_EQ(error_of("WorkflowId IN ()"),
            "invalid query: syntax error at position 16: unexpected token ')'; expected a value");
  EXPECT_EQ(error_of("WorkflowId IN ('a' 'b')"),
            "invalid query: syntax error at position 20: unexpected token ''b''; expected ',' or ')'");
  EXPECT_EQ(error_of("HistoryLength BETWEEN 1 OR 2"),
            "invalid query: syntax error at position 25: unexpected token 'OR'; expected AND");
  EXPECT_EQ(error_of("CloseTime IS 5"),
            "invalid query: syntax error at position 14: unexpected token '5'; expected NULL");
  EXPECT_EQ(error_of("WorkflowId LIKE 'a%'"),
            "invalid query: syntax error at position 12: operator LIKE is not supported; use STARTS_WITH for "
            "prefixes");
  EXPECT_EQ(error_of("WorkflowId = 'a' AND"),
            "invalid query: syntax error at position 21: unexpected end of query; expected a search attribute "
            "name");
  EXPECT_EQ(error_of("WorkflowId == 'a'"),
            "invalid query: syntax error at position 13: unexpected token '='; expected a value");
}

TEST(ListFilterErrors, PositionsCountCharactersNotBytes) {
  // 'é' is two bytes; Bar starts at character 22 (byte 23).
  EXPECT_EQ(error_of("WorkflowId = '\xC3\xA9' AND Bar = 1"),
            "invalid query: invalid expression: column name 'Bar' is not a valid search attribute at position 22");
}

TEST(ListFilterErrors, SemanticErrorsNameTheAttribute) {
  EXPECT_EQ(error_of("Foo = 'x'"), "invalid query: invalid expression: column name 'Foo' is not a valid search attribute at position 1");
  EXPECT_EQ(error_of("WorkflowId = 'a' ORDER BY Nope"),
            "invalid query: invalid expression: column name 'Nope' is not a valid search attribute at position 27");
  EXPECT_EQ(error_of("workflowid = 'a'"),
            "invalid query: invalid expression: column name 'workflowid' is not a valid search attribute at position 1");
  EXPECT_EQ(error_of("HistoryLength = 'x'"),
            "invalid query: invalid expression: invalid value 'x' for Int attribute 'HistoryLength' at position 17; "
            "expected an integer");
  EXPECT_EQ(error_of("WorkflowId = 5"),
            "invalid query: invalid expression: invalid value 5 for Keyword attribute 'WorkflowId' at position 14; "
            "expected a string");
  EXPECT_NE(error_of("ExecutionStatus = 'Sleeping'").find("invalid value 'Sleeping'"),
            std::string::npos);
  EXPECT_EQ(error_of("ExecutionStatus > 'Running'"),
            "invalid query: invalid expression: operator > is not supported for ExecutionStatus attribute "
            "'ExecutionStatus' at position 17");
  EXPECT_NE(error_of("StartTime > '2026-13-01T00:00:00Z'").find("expected an RFC 3339"),
            std::string::npos);
  EXPECT_NE(error_of("StartTime > 'yesterday'").find("at position 13"), std::string::npos);
  EXPECT_NE(error_of("Notes < 'x'").find("operator < is not supported for Text"),
            std::string::npos);
  EXPECT_NE(error_of("Tags BETWEEN 'a' AND 'b'").find("not supported for KeywordList"),
            std::string::npos);
  EXPECT_NE(error_of("Vip STARTS_WITH 't'").find("not supported for Bool"), std::string::npos);
  EXPECT_EQ(error_of("ORDER BY Tags"),
            "invalid query: invalid expression: cannot ORDER BY KeywordList attribute 'Tags' at position 10");
  EXPECT_EQ(error_of("GROUP BY WorkflowType"),
            "invalid query: syntax error at position 10: GROUP BY 'WorkflowType' is not supported; only GROUP "
            "BY ExecutionStatus is");
  EXPECT_EQ(error_of("GROUP BY ExecutionStatus ORDER BY StartTime"),
            "invalid query: syntax error at position 26: ORDER BY cannot be combined with GROUP BY");
  EXPECT_NE(error_of("ExecutionDuration > 'forever'").find("expected a duration"),
            std::string::npos);
}

TEST(ListFilterErrors, RegisteredButUnsafeNamesAreUnknown) {
  SearchAttributeTypes custom = {{"bad-name", enums::INDEXED_VALUE_TYPE_KEYWORD},
                                 {"Unspecified", enums::INDEXED_VALUE_TYPE_UNSPECIFIED}};
  ListQuery q;
  Status s = translate_list_query("`bad-name` = 'x'", custom, &q);
  EXPECT_EQ(s.message(), "invalid query: invalid expression: column name 'bad-name' is not a valid search attribute at position 1");
  s = translate_list_query("Unspecified = 'x'", custom, &q);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
}

TEST(ListFilterErrors, LimitsBoundNestingAndSize) {
  std::string deep(kMaxNesting + 1, '(');
  deep += "WorkflowId = 'a'" + std::string(kMaxNesting + 1, ')');
  EXPECT_NE(error_of(deep).find("query nests too deeply"), std::string::npos);
  std::string nots;
  for (size_t i = 0; i <= kMaxNesting; ++i) nots += "NOT ";
  EXPECT_NE(error_of(nots + "WorkflowId = 'a'").find("nests too deeply"), std::string::npos);

  std::string ok_deep(kMaxNesting, '(');
  ok_deep += "WorkflowId = 'a'" + std::string(kMaxNesting, ')');
  translate_ok(ok_deep);

  std::string many = "WorkflowId = 'a'";
  for (size_t i = 0; i < kMaxPredicates; ++i) many += " OR WorkflowId = 'a'";
  EXPECT_NE(error_of(many).find("too many conditions"), std::string::npos);

  std::string values = "WorkflowId IN ('a'";
  for (size_t i = 0; i < kMaxValues; ++i) values += ", 'a'";
  EXPECT_NE(error_of(values + ")").find("too many values"), std::string::npos);
}

TEST(ListFilterErrors, ErrorMessagesQuoteAtMostAShortPrintablePrefix) {
  const std::string message = error_of("`" + std::string(500, 'x') + "\x01` = 'a'");
  EXPECT_LT(message.size(), 160u) << message;
  EXPECT_NE(message.find("'xxxx"), std::string::npos);
  EXPECT_NE(message.find("...'"), std::string::npos);
  EXPECT_EQ(error_of("WorkflowId = 'a' \x01"),
            "invalid query: syntax error at position 18: unexpected character '?'");
}

// ---------------------------------------------------------------------------------------------
// Injection: user text only ever becomes a bound parameter.

TEST(ListFilterInjection, QuotesInsideStringsStayLiteral) {
  ListQuery q = translate_ok("WorkflowId = 'x'' OR 1=1 --'");
  EXPECT_EQ(q.where_sql, "workflow_id = ?");
  EXPECT_EQ(q.params, std::vector<std::string>{"x' OR 1=1 --"});

  q = translate_ok("WorkflowId = \"x\\\" OR 1=1; DROP TABLE visibility; --\"");
  EXPECT_EQ(q.where_sql, "workflow_id = ?");
  EXPECT_EQ(q.params, std::vector<std::string>{"x\" OR 1=1; DROP TABLE visibility; --"});

  q = translate_ok("CustomerId IN ('a'')) OR 1=1 --', 'b')");
  EXPECT_EQ(q.params, (std::vector<std::string>{"a')) OR 1=1 --", "b"}));
  EXPECT_EQ(q.where_sql.find("1=1"), std::string::npos);
}

TEST(ListFilterInjection, SqlOutsideStringsIsASyntaxError) {
  EXPECT_NE(error_of("WorkflowId = 'x' OR 1=1 --").find("unexpected token '1'"),
            std::string::npos);
  EXPECT_NE(error_of("WorkflowId = 'x'; DROP TABLE visibility").find("unexpected character ';'"),
            std::string::npos);
  EXPECT_NE(error_of("WorkflowId = 'x' /* */").find("unexpected character '/'"),
            std::string::npos);
  // Identifiers come from the whitelist only; backticks cannot smuggle SQL in.
  EXPECT_NE(error_of("`workflow_id = workflow_id OR 1` = 1").find("is not a valid search attribute"),
            std::string::npos);
  EXPECT_NE(error_of("ORDER BY `start_time_ms; DROP TABLE visibility`").find("is not a valid search attribute"),
            std::string::npos);
  SearchAttributeTypes evil = {{"a\"') OR 1=1 --", enums::INDEXED_VALUE_TYPE_KEYWORD}};
  ListQuery q;
  EXPECT_EQ(translate_list_query("`a\"') OR 1=1 --` = 'x'", evil, &q).code(),
            StatusCode::kInvalidArgument);
}

// ---------------------------------------------------------------------------------------------
// Time values.

TEST(ListFilterTime, ParsesRfc3339) {
  UnixTime t;
  ASSERT_TRUE(parse_rfc3339("2026-01-02T03:04:05Z", &t));
  EXPECT_EQ(t.seconds, 1767323045);
  EXPECT_EQ(t.nanos, 0);
  ASSERT_TRUE(parse_rfc3339("2026-01-02t03:04:05.5z", &t));
  EXPECT_EQ(t.nanos, 500000000);
  ASSERT_TRUE(parse_rfc3339("2026-01-02T03:04:05.123456789+05:30", &t));
  EXPECT_EQ(t.seconds, 1767303245);
  EXPECT_EQ(t.nanos, 123456789);
  ASSERT_TRUE(parse_rfc3339("2026-01-01T23:00:00-02:00", &t));  // 2026-01-02T01:00:00Z
  EXPECT_EQ(t.seconds, 1767315600);
  ASSERT_TRUE(parse_rfc3339("2000-02-29T23:59:59Z", &t));
  EXPECT_EQ(t.seconds, 951868799);
  ASSERT_TRUE(parse_rfc3339("1969-12-31T23:59:59.25Z", &t));
  EXPECT_EQ(t.seconds, -1);
  EXPECT_EQ(unix_millis(t), -750);
  ASSERT_TRUE(parse_rfc3339("0001-01-01T00:00:00Z", &t));
  EXPECT_EQ(t.seconds, -62135596800);
  for (const char* bad :
       {"", "2026-01-02", "2026-01-02T03:04:05", "2026-01-02 03:04:05Z", "2026-1-02T03:04:05Z",
        "2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z",
        "2026-01-32T00:00:00Z", "2026-01-02T24:00:00Z", "2026-01-02T03:60:00Z",
        "2026-01-02T03:04:60Z", "2026-01-02T03:04:05.Z", "2026-01-02T03:04:05.1234567890Z",
        "2026-01-02T03:04:05+24:00", "2026-01-02T03:04:05+0530", "2026-01-02T03:04:05Zjunk",
        "1900-02-29T00:00:00Z"}) {
    EXPECT_FALSE(parse_rfc3339(bad, &t)) << bad;
  }
}

TEST(ListFilterTime, UnixNanosAndFixedWidthUtc) {
  UnixTime t = from_unix_nanos(1767323045123456789);
  EXPECT_EQ(t.seconds, 1767323045);
  EXPECT_EQ(t.nanos, 123456789);
  EXPECT_EQ(unix_millis(t), 1767323045123);
  t = from_unix_nanos(-1);
  EXPECT_EQ(t.seconds, -1);
  EXPECT_EQ(t.nanos, 999999999);
  EXPECT_EQ(unix_millis(t), -1);

  std::string s;
  ASSERT_TRUE(format_fixed_utc(from_unix_nanos(1767323045123456789), &s));
  EXPECT_EQ(s, "2026-01-02T03:04:05.123456789Z");
  ASSERT_TRUE(format_fixed_utc(UnixTime{0, 0}, &s));
  EXPECT_EQ(s, "1970-01-01T00:00:00.000000000Z");
  ASSERT_TRUE(format_fixed_utc(UnixTime{-1, 0}, &s));
  EXPECT_EQ(s, "1969-12-31T23:59:59.000000000Z");
  ASSERT_TRUE(format_fixed_utc(UnixTime{253402300799, 999999999}, &s));
  EXPECT_EQ(s, "9999-12-31T23:59:59.999999999Z");
  EXPECT_FALSE(format_fixed_utc(UnixTime{253402300800, 0}, &s));
  EXPECT_FALSE(format_fixed_utc(UnixTime{-62167219201, 0}, &s));
  ASSERT_TRUE(parse_rfc3339("0000-01-01T00:30:00+01:00", &t));
  EXPECT_FALSE(format_fixed_utc(t, &s));  // year -1 in UTC
}

TEST(ListFilterTime, ParsesGoDurations) {
  int64_t ns = 0;
  const std::pair<const char*, int64_t> cases[] = {
      {"0", 0},
      {"1h", 3600000000000},
      {"1h30m", 5400000000000},
      {"1.5s", 1500000000},
      {"250ms", 250000000},
      {"3us", 3000},
      {"3\xC2\xB5s", 3000},
      {"7ns", 7},
      {"-2m", -120000000000},
      {"+.5h", 1800000000000},
      {"2562047h47m16.854775807s", 9223372036854775807},
      {"-2562047h47m16.854775808s", -9223372036854775807 - 1},
  };
  for (const auto& [text, want] : cases) {
    ASSERT_TRUE(parse_go_duration(text, &ns)) << text;
    EXPECT_EQ(ns, want) << text;
  }
  for (const char* bad : {"", "1", "h", "1x", ".s", "1..5s", "1h-2m", "2562047h47m16.854775808s",
                          "99999999999999999999h", "1 h"}) {
    EXPECT_FALSE(parse_go_duration(bad, &ns)) << bad;
  }
}

// ---------------------------------------------------------------------------------------------
// SearchAttributes -> JSON.

temporal::api::common::v1::Payload json_payload(const std::string& json,
                                                const std::string& type = "") {
  temporal::api::common::v1::Payload p;
  (*p.mutable_metadata())["encoding"] = "json/plain";
  if (!type.empty()) (*p.mutable_metadata())["type"] = type;
  p.set_data(json);
  return p;
}

TEST(ListFilterJson, ConvertsEveryType) {
  temporal::api::common::v1::SearchAttributes sa;
  auto& f = *sa.mutable_indexed_fields();
  f["CustomerId"] = json_payload("\"alice\"", "Keyword");
  f["Priority"] = json_payload("5", "Int");
  f["Score"] = json_payload("1.5", "Double");
  f["Vip"] = json_payload("true", "Bool");
  f["Tags"] = json_payload("[\"a\",\"b\"]", "KeywordList");
  f["DueAt"] = json_payload("\"2026-01-02T05:04:05.5+02:00\"", "Datetime");
  f["Notes"] = json_payload("\"some text\"", "Text");
  std::string json;
  ASSERT_TRUE(search_attributes_to_json(sa, {}, &json).ok());
  EXPECT_EQ(json,
            "{\"CustomerId\":\"alice\",\"DueAt\":\"2026-01-02T03:04:05.500000000Z\","
            "\"Notes\":\"some text\",\"Priority\":5,\"Score\":1.5,\"Tags\":[\"a\",\"b\"],"
            "\"Vip\":true}");
}

TEST(ListFilterJson, RegistryTypesLegacyListsAndNulls) {
  temporal::api::common::v1::SearchAttributes sa;
  auto& f = *sa.mutable_indexed_fields();
  f["Single"] = json_payload("\"only\"");                 // KeywordList by registry
  f["Wrapped"] = json_payload("[42]", "Int");             // old SDKs wrap scalars in a list
  f["Due"] = json_payload("[\"2026-01-02T03:04:05Z\"]");  // Datetime by registry
  f["Gone"] = json_payload("null", "Keyword");
  temporal::api::common::v1::Payload null_payload;
  (*null_payload.mutable_metadata())["encoding"] = "binary/null";
  f["AlsoGone"] = null_payload;
  f["TemporalChangeVersion"] = json_payload("\"fix-1\"");  // predefined KeywordList
  f["BadDate"] = json_payload("\"not a date\"", "Datetime");
  SearchAttributeTypes types = {{"Single", enums::INDEXED_VALUE_TYPE_KEYWORD_LIST},
                                {"Due", enums::INDEXED_VALUE_TYPE_DATETIME}};
  std::string json;
  ASSERT_TRUE(search_attributes_to_json(sa, types, &json).ok());
  EXPECT_EQ(json,
            "{\"BadDate\":\"not a date\",\"Due\":\"2026-01-02T03:04:05.000000000Z\","
            "\"Single\":[\"only\"],\"TemporalChangeVersion\":[\"fix-1\"],\"Wrapped\":42}");
}

TEST(ListFilterJson, BadPayloadsAreReportedAndSkipped) {
  temporal::api::common::v1::SearchAttributes sa;
  auto& f = *sa.mutable_indexed_fields();
  f["Good"] = json_payload("1", "Int");
  f["Broken"] = json_payload("{not json", "Keyword");
  temporal::api::common::v1::Payload binary;
  (*binary.mutable_metadata())["encoding"] = "binary/plain";
  binary.set_data("raw");
  f["Zbinary"] = binary;
  std::string json;
  Status s = search_attributes_to_json(sa, {}, &json);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "search attribute 'Broken': payload is not valid JSON");
  EXPECT_EQ(json, "{\"Good\":1}");

  ASSERT_TRUE(search_attributes_to_json({}, {}, &json).ok());
  EXPECT_EQ(json, "{}");
}

// ---------------------------------------------------------------------------------------------
// End to end: rows written through the store, filtered by translated queries.

constexpr int64_t kDay = 86'400'000;
constexpr int64_t kJan1 = 1767225600000;  // 2026-01-01T00:00:00Z in unix millis

temporal::api::common::v1::SearchAttributes attributes(
    std::initializer_list<std::pair<std::string, std::string>> json_by_name) {
  temporal::api::common::v1::SearchAttributes sa;
  for (const auto& [name, json] : json_by_name) {
    (*sa.mutable_indexed_fields())[name] = json_payload(json);
  }
  return sa;
}

class ListFilterStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(persistence::open_sqlite_store("", &store_).ok());
    persistence::WriteBatch b;
    // wf-1: running, the oldest.
    b.visibility.push_back(row("wf-1", "run-1", "OrderWorkflow", 1, kJan1, 0, 10,
                               attributes({{"CustomerId", "\"alice\""},
                                           {"Priority", "5"},
                                           {"Score", "1.5"},
                                           {"Vip", "true"},
                                           {"Tags", "[\"vip\",\"eu\"]"},
                                           {"DueAt", "\"2026-02-01T00:00:00Z\""},
                                           {"Notes", "\"hello big world\""}})));
    // wf-2: completed after one hour.
    b.visibility.push_back(row("wf-2", "run-2", "OrderWorkflow", 2, kJan1 + kDay,
                               kJan1 + kDay + 3'600'000, 20,
                               attributes({{"CustomerId", "\"bob\""},
                                           {"Priority", "10"},
                                           {"Score", "2.25"},
                                           {"Vip", "false"},
                                           {"Tags", "[\"us\"]"},
                                           {"DueAt", "\"2026-01-15T12:00:00+02:00\""}})));
    // wf-3: failed after 30 s; a child of wf-1. Priority 100 sorts before 5 as text.
    VisibilityRow child = row("wf-3", "run-3", "ShipWorkflow", 3, kJan1 + 2 * kDay,
                              kJan1 + 2 * kDay + 30'000, 3,
                              attributes({{"CustomerId", "\"alice\""},
                                          {"Priority", "100"},
                                          {"Tags", "[]"}}));
    child.parent_workflow_id = "wf-1";
    child.parent_run_id = "run-1";
    b.visibility.push_back(child);
    // wf-4: running, no search attributes at all.
    b.visibility.push_back(row("wf-4", "run-4", "ShipWorkflow", 1, kJan1 + 3 * kDay, 0, 7, {}));
    // Another namespace is never listed.
    VisibilityRow other = row("wf-1", "run-x", "OrderWorkflow", 1, kJan1, 0, 1, {});
    other.key.ns = "other";
    b.visibility.push_back(other);
    ASSERT_TRUE(store_->commit_sync(std::move(b)).ok());
  }

  static VisibilityRow row(const std::string& wf, const std::string& run, const std::string& type,
                           int32_t status, int64_t start_ms, int64_t close_ms, int64_t length,
                           const temporal::api::common::v1::SearchAttributes& sa) {
    VisibilityRow v;
    v.key = persistence::RunKey{"default", wf, run};
    v.workflow_type = type;
    v.task_queue = "tq";
    v.status = status;
    v.start_time_ms = start_ms;
    v.execution_time_ms = start_ms;
    v.close_time_ms = close_ms;
    v.history_length = length;
    v.search_attributes = sa.SerializeAsString();
    EXPECT_TRUE(search_attributes_to_json(sa, registry(), &v.search_attributes_json).ok());
    return v;
  }

  // Workflow ids of the rows `query` lists, in order.
  std::vector<std::string> list(const std::string& query, size_t offset = 0, size_t limit = 100) {
    ListQuery q;
    Status s = translate_list_query(query, registry(), &q);
    EXPECT_TRUE(s.ok()) << query << ": " << s.ToString();
    std::vector<VisibilityRow> rows;
    s = store_->list_visibility("default", q.where_sql, q.params, offset, limit, &rows,
                                q.order_by_sql);
    EXPECT_TRUE(s.ok()) << query << ": " << s.ToString();
    std::vector<std::string> ids;
    for (const VisibilityRow& r : rows) ids.push_back(r.key.workflow_id);
    return ids;
  }

  int64_t count(const std::string& query) {
    ListQuery q;
    Status s = translate_list_query(query, registry(), &q);
    EXPECT_TRUE(s.ok()) << query << ": " << s.ToString();
    int64_t n = -1;
    s = store_->count_visibility("default", q.where_sql, q.params, &n);
    EXPECT_TRUE(s.ok()) << query << ": " << s.ToString();
    return n;
  }

  using Ids = std::vector<std::string>;
  std::unique_ptr<persistence::Store> store_;
};

TEST_F(ListFilterStoreTest, EmptyQueryListsTheNamespaceNewestFirst) {
  EXPECT_EQ(list(""), (Ids{"wf-4", "wf-3", "wf-2", "wf-1"}));
  EXPECT_EQ(count(""), 4);
}

TEST_F(ListFilterStoreTest, SystemAttributesAndBooleanLogic) {
  EXPECT_EQ(list("ExecutionStatus = 'Running'"), (Ids{"wf-4", "wf-1"}));
  EXPECT_EQ(count("ExecutionStatus != 'Running'"), 2);
  EXPECT_EQ(list("ExecutionStatus IN ('Completed', 'Failed')"), (Ids{"wf-3", "wf-2"}));
  EXPECT_EQ(list("WorkflowType = 'OrderWorkflow' AND ExecutionStatus = 'Completed' OR "
                 "WorkflowId = 'wf-4'"),
            (Ids{"wf-4", "wf-2"}));
  EXPECT_EQ(list("WorkflowType = 'OrderWorkflow' AND (ExecutionStatus = 'Completed' OR "
                 "WorkflowId = 'wf-4')"),
            (Ids{"wf-2"}));
  EXPECT_EQ(list("NOT WorkflowType = 'OrderWorkflow'"), (Ids{"wf-4", "wf-3"}));
  EXPECT_EQ(list("WorkflowType STARTS_WITH 'Ship'"), (Ids{"wf-4", "wf-3"}));
  EXPECT_EQ(list("WorkflowType NOT STARTS_WITH 'Ship'"), (Ids{"wf-2", "wf-1"}));
  EXPECT_EQ(list("WorkflowId STARTS_WITH ''"), (Ids{"wf-4", "wf-3", "wf-2", "wf-1"}));
  EXPECT_EQ(list("HistoryLength >= 10"), (Ids{"wf-2", "wf-1"}));
  EXPECT_EQ(list("HistoryLength BETWEEN 3 AND 7"), (Ids{"wf-4", "wf-3"}));
  EXPECT_EQ(list("ParentWorkflowId = 'wf-1'"), (Ids{"wf-3"}));
  EXPECT_EQ(list("ParentWorkflowId IS NULL"), (Ids{"wf-4", "wf-2", "wf-1"}));
  EXPECT_EQ(list("ParentWorkflowId != 'wf-9'"), (Ids{"wf-3"}));
  EXPECT_EQ(list("TaskQueue = 'tq' AND RunId = 'run-2'"), (Ids{"wf-2"}));
}

TEST_F(ListFilterStoreTest, TimeRangesAndDurations) {
  EXPECT_EQ(list("StartTime >= '2026-01-02T00:00:00Z' AND StartTime < '2026-01-04T00:00:00Z'"),
            (Ids{"wf-3", "wf-2"}));
  EXPECT_EQ(list("StartTime BETWEEN '2026-01-02T00:00:00Z' AND '2026-01-03T00:00:00Z'"),
            (Ids{"wf-3", "wf-2"}));
  // 2026-01-02T01:00:00+02:00 is 2026-01-01T23:00:00Z.
  EXPECT_EQ(list("StartTime > '2026-01-02T01:00:00+02:00'"), (Ids{"wf-4", "wf-3", "wf-2"}));
  EXPECT_EQ(list("StartTime < 1767312000000000000"), (Ids{"wf-1"}));  // unix nanos
  EXPECT_EQ(list("StartTime = '2026-01-01T00:00:00.000Z'"), (Ids{"wf-1"}));
  EXPECT_EQ(list("CloseTime IS NULL"), (Ids{"wf-4", "wf-1"}));
  EXPECT_EQ(list("CloseTime IS NOT NULL"), (Ids{"wf-3", "wf-2"}));
  // Open runs have no close time, so no range over CloseTime matches them.
  EXPECT_EQ(list("CloseTime < '2030-01-01T00:00:00Z'"), (Ids{"wf-3", "wf-2"}));
  EXPECT_EQ(list("ExecutionTime > '2026-01-03T12:00:00Z'"), (Ids{"wf-4"}));
  EXPECT_EQ(list("ExecutionDuration > '10m'"), (Ids{"wf-2"}));
  EXPECT_EQ(list("ExecutionDuration <= '30s'"), (Ids{"wf-3"}));
}

TEST_F(ListFilterStoreTest, CustomKeywordIntDoubleBoolTextAttributes) {
  EXPECT_EQ(list("CustomerId = 'alice'"), (Ids{"wf-3", "wf-1"}));
  EXPECT_EQ(list("CustomerId != 'alice'"), (Ids{"wf-2"}));
  EXPECT_EQ(list("NOT CustomerId = 'alice'"), (Ids{"wf-4", "wf-2"}));  // wf-4 has none
  EXPECT_EQ(list("CustomerId IS NULL"), (Ids{"wf-4"}));
  EXPECT_EQ(list("CustomerId STARTS_WITH 'al' AND Priority > 50"), (Ids{"wf-3"}));
  // Numeric, not text, comparison: as text "100" < "20" and "10" < "7".
  EXPECT_EQ(list("Priority > 7"), (Ids{"wf-3", "wf-2"}));
  EXPECT_EQ(list("Priority < 20"), (Ids{"wf-2", "wf-1"}));
  EXPECT_EQ(list("Priority = 100"), (Ids{"wf-3"}));
  EXPECT_EQ(list("Priority BETWEEN 5 AND 10"), (Ids{"wf-2", "wf-1"}));
  EXPECT_EQ(list("Priority IN (5, 100)"), (Ids{"wf-3", "wf-1"}));
  EXPECT_EQ(list("Score > 2"), (Ids{"wf-2"}));
  EXPECT_EQ(list("Score <= 1.5"), (Ids{"wf-1"}));
  EXPECT_EQ(list("Score >= 1.5e0 AND Score < 3"), (Ids{"wf-2", "wf-1"}));
  EXPECT_EQ(list("Vip = true"), (Ids{"wf-1"}));
  EXPECT_EQ(list("Vip = false"), (Ids{"wf-2"}));
  EXPECT_EQ(list("Notes = 'big'"), (Ids{"wf-1"}));
  EXPECT_EQ(list("Notes != 'big'"), (Ids{}));
}

TEST_F(ListFilterStoreTest, CustomKeywordListAttributes) {
  EXPECT_EQ(list("Tags = 'vip'"), (Ids{"wf-1"}));
  EXPECT_EQ(list("Tags IN ('us', 'eu')"), (Ids{"wf-2", "wf-1"}));
  EXPECT_EQ(list("Tags != 'vip'"), (Ids{"wf-4", "wf-3", "wf-2"}));
  EXPECT_EQ(list("Tags NOT IN ('us', 'eu')"), (Ids{"wf-4", "wf-3"}));
  EXPECT_EQ(list("Tags STARTS_WITH 'v'"), (Ids{"wf-1"}));
  EXPECT_EQ(list("Tags IS NULL"), (Ids{"wf-4"}));
  EXPECT_EQ(list("Tags = 'vip' AND ExecutionStatus = 'Running'"), (Ids{"wf-1"}));
}

TEST_F(ListFilterStoreTest, CustomDatetimeAttributes) {
  EXPECT_EQ(list("DueAt > '2026-01-20T00:00:00Z'"), (Ids{"wf-1"}));
  // wf-2's DueAt was written as 12:00+02:00, i.e. 10:00Z.
  EXPECT_EQ(list("DueAt = '2026-01-15T10:00:00Z'"), (Ids{"wf-2"}));
  EXPECT_EQ(list("DueAt < '2026-01-15T10:00:00.000000001Z'"), (Ids{"wf-2"}));
  EXPECT_EQ(list("DueAt < '2026-01-15T11:59:59+02:00'"), (Ids{}));
  EXPECT_EQ(list("DueAt >= 1768471200000000000"), (Ids{"wf-2", "wf-1"}));  // unix nanos of 10:00Z
  EXPECT_EQ(list("DueAt BETWEEN '2026-01-01T00:00:00Z' AND '2026-01-31T00:00:00Z'"), (Ids{"wf-2"}));
}

TEST_F(ListFilterStoreTest, OrderByAndPaging) {
  EXPECT_EQ(list("ORDER BY StartTime ASC"), (Ids{"wf-1", "wf-2", "wf-3", "wf-4"}));
  EXPECT_EQ(list("ORDER BY StartTime"), (Ids{"wf-1", "wf-2", "wf-3", "wf-4"}));
  EXPECT_EQ(list("ExecutionStatus = 'Running' ORDER BY WorkflowId DESC"), (Ids{"wf-4", "wf-1"}));
  // Numeric order of an Int attribute; rows without it (NULL) sort last when descending.
  EXPECT_EQ(list("ORDER BY Priority DESC"), (Ids{"wf-3", "wf-2", "wf-1", "wf-4"}));
  // Ties (both NULL) break by run_id.
  EXPECT_EQ(list("ORDER BY DueAt"), (Ids{"wf-3", "wf-4", "wf-2", "wf-1"}));
  EXPECT_EQ(list("ORDER BY WorkflowType DESC, HistoryLength ASC"),
            (Ids{"wf-3", "wf-4", "wf-1", "wf-2"}));
  EXPECT_EQ(list("ORDER BY CloseTime DESC, StartTime DESC"),
            (Ids{"wf-3", "wf-2", "wf-4", "wf-1"}));
  EXPECT_EQ(list("ORDER BY StartTime ASC", 1, 2), (Ids{"wf-2", "wf-3"}));
  EXPECT_EQ(list("ORDER BY StartTime ASC", 3, 2), (Ids{"wf-4"}));
}

TEST_F(ListFilterStoreTest, GroupByStatusCountsEachStatus) {
  ListQuery q;
  ASSERT_TRUE(translate_list_query("WorkflowType STARTS_WITH 'Ship' GROUP BY ExecutionStatus",
                                   registry(), &q)
                  .ok());
  ASSERT_TRUE(q.group_by_status);
  std::vector<std::pair<std::string, int64_t>> groups;
  for (int32_t status = 1; status <= 8; ++status) {
    ListQuery narrowed = restrict_to_status(q, status);
    int64_t n = 0;
    ASSERT_TRUE(store_->count_visibility("default", narrowed.where_sql, narrowed.params, &n).ok());
    if (n > 0) groups.emplace_back(std::string(execution_status_name(status)), n);
  }
  EXPECT_EQ(groups, (std::vector<std::pair<std::string, int64_t>>{{"Running", 1}, {"Failed", 1}}));
}

TEST_F(ListFilterStoreTest, InjectionAttemptsStayLiterals) {
  EXPECT_EQ(count("WorkflowId = 'x'' OR 1=1 --'"), 0);
  persistence::WriteBatch b;
  b.visibility.push_back(row("x' OR 1=1 --", "run-5", "T", 1, kJan1, 0, 1, {}));
  ASSERT_TRUE(store_->commit_sync(std::move(b)).ok());
  EXPECT_EQ(list("WorkflowId = 'x'' OR 1=1 --'"), (Ids{"x' OR 1=1 --"}));
  EXPECT_EQ(count("WorkflowId = \"x' OR 1=1 --\""), 1);
  EXPECT_EQ(count(""), 5);  // the table is intact
}

TEST_F(ListFilterStoreTest, RowsRoundTripTheirJsonAndRefuseMalformedJson) {
  std::vector<VisibilityRow> rows;
  ASSERT_TRUE(
      store_->list_visibility("default", "workflow_id = ?", {"wf-3"}, 0, 10, &rows, "").ok());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].search_attributes_json,
            "{\"CustomerId\":\"alice\",\"Priority\":100,\"Tags\":[]}");

  persistence::WriteBatch b;
  VisibilityRow bad = row("wf-bad", "run-bad", "T", 1, kJan1, 0, 1, {});
  bad.search_attributes_json = "{not json";
  b.visibility.push_back(bad);
  ASSERT_TRUE(store_->commit_sync(std::move(b)).ok());
  ASSERT_TRUE(
      store_->list_visibility("default", "workflow_id = ?", {"wf-bad"}, 0, 10, &rows, "").ok());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].search_attributes_json, "{}");
  // JSON filters keep working over the whole table.
  EXPECT_EQ(list("CustomerId = 'alice'"), (Ids{"wf-3", "wf-1"}));
  EXPECT_EQ(list("Tags = 'us'"), (Ids{"wf-2"}));
}

TEST_F(ListFilterStoreTest, OrderBySqlWithPlaceholdersOrStatementsIsRefused) {
  std::vector<VisibilityRow> rows;
  Status s = store_->list_visibility("default", "", {}, 0, 10, &rows, "start_time_ms, ?");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  s = store_->list_visibility("default", "", {}, 0, 10, &rows,
                              "run_id LIMIT 1; DELETE FROM visibility");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(count(""), 4);
}

// A database written by schema v1 gains the JSON column, '{}' for its old rows.
TEST(ListFilterSchema, MigratesVersionOneDatabase) {
  std::string dir = (std::filesystem::temp_directory_path() / "stead-vis-XXXXXX").string();
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  const std::string path = dir + "/v1.db";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  const char* v1 =
      "CREATE TABLE namespaces (name TEXT PRIMARY KEY NOT NULL, record BLOB NOT NULL);"
      "CREATE TABLE executions (ns TEXT NOT NULL, workflow_id TEXT NOT NULL, run_id TEXT NOT "
      "NULL, mutable_state BLOB NOT NULL, open INTEGER NOT NULL, PRIMARY KEY (ns, workflow_id, "
      "run_id));"
      "CREATE TABLE current_runs (ns TEXT NOT NULL, workflow_id TEXT NOT NULL, run_id TEXT NOT "
      "NULL, PRIMARY KEY (ns, workflow_id));"
      "CREATE TABLE history_events (ns TEXT NOT NULL, workflow_id TEXT NOT NULL, run_id TEXT NOT "
      "NULL, event_id INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (ns, workflow_id, "
      "run_id, event_id)) WITHOUT ROWID;"
      "CREATE TABLE visibility (ns TEXT NOT NULL, workflow_id TEXT NOT NULL, run_id TEXT NOT "
      "NULL, workflow_type TEXT NOT NULL, task_queue TEXT NOT NULL, status INTEGER NOT NULL, "
      "start_time_ms INTEGER NOT NULL, execution_time_ms INTEGER NOT NULL, close_time_ms "
      "INTEGER NOT NULL, history_length INTEGER NOT NULL, history_size_bytes INTEGER NOT NULL, "
      "memo BLOB NOT NULL, search_attributes BLOB NOT NULL, parent_workflow_id TEXT NOT NULL, "
      "parent_run_id TEXT NOT NULL, PRIMARY KEY (ns, workflow_id, run_id));"
      "INSERT INTO visibility VALUES ('default', 'old', 'r', 'T', 'tq', 1, 5, 5, 0, 1, 0, x'', "
      "x'', '', '');"
      "PRAGMA user_version=1;";
  ASSERT_EQ(sqlite3_exec(db, v1, nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);

  std::unique_ptr<persistence::Store> store;
  ASSERT_TRUE(persistence::open_sqlite_store(path, &store).ok());
  std::vector<VisibilityRow> rows;
  ASSERT_TRUE(store->list_visibility("default", "", {}, 0, 10, &rows, "").ok());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].search_attributes_json, "{}");
  ListQuery q;
  ASSERT_TRUE(translate_list_query("CustomerId = 'a' OR Tags = 'b'", registry(), &q).ok());
  int64_t n = -1;
  ASSERT_TRUE(store->count_visibility("default", q.where_sql, q.params, &n).ok());
  EXPECT_EQ(n, 0);
  store.reset();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace stead::server::visibility
