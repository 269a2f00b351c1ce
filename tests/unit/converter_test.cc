// Payload conversion and codecs. Expected bytes are what the official Python SDK (temporalio,
// DataConverter.default) produces for the same values; the TypeScript SDK produces the same
// for strings, numbers, booleans, null and bytes.
#include <gtest/gtest.h>

#include <zlib.h>

#include <limits>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "stead/converter.h"
#include "stead/search_attributes.h"
#include "temporal/api/common/v1/message.pb.h"

namespace shop {
struct Order {
  std::string id{};
  int qty = 0;
  std::vector<std::string> tags{};
  bool operator==(const Order&) const = default;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Order, id, qty, tags)
}  // namespace shop

namespace stead {
namespace {

std::string meta(const Payload& p, const std::string& key) {
  auto it = p.metadata().find(key);
  return it == p.metadata().end() ? "<absent>" : it->second;
}

Bytes bytes_of(std::initializer_list<unsigned> values) {
  Bytes out;
  for (unsigned v : values) out.push_back(static_cast<std::byte>(v));
  return out;
}

std::string unhex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

Payload json_payload(const std::string& data) {
  Payload p;
  (*p.mutable_metadata())["encoding"] = "json/plain";
  p.set_data(data);
  return p;
}

TEST(PayloadConverter, StringIsQuotedJsonLikeEveryOtherSdk) {
  Payload p = to_payload(std::string("hello"));
  EXPECT_EQ(meta(p, "encoding"), "json/plain");
  EXPECT_EQ(p.metadata_size(), 1);
  EXPECT_EQ(p.data(), "\"hello\"");
  EXPECT_EQ(from_payload<std::string>(p), "hello");
  EXPECT_EQ(to_payload("hello").data(), "\"hello\"");  // string literals too
}

TEST(PayloadConverter, ScalarsAreCompactJson) {
  EXPECT_EQ(to_payload(42).data(), "42");
  EXPECT_EQ(to_payload(1.5).data(), "1.5");
  EXPECT_EQ(to_payload(true).data(), "true");
  EXPECT_EQ(to_payload(std::vector<int>{1, 2, 3}).data(), "[1,2,3]");
  EXPECT_EQ(from_payload<int>(json_payload("42")), 42);
  EXPECT_EQ(from_payload<double>(json_payload("1.5")), 1.5);
  EXPECT_EQ(from_payload<bool>(json_payload("true")), true);
  EXPECT_EQ(from_payload<std::vector<int>>(json_payload("[1,2,3]")), (std::vector<int>{1, 2, 3}));
}

TEST(PayloadConverter, UserTypesGoThroughNlohmannAdlWithSortedKeys) {
  shop::Order order{.id = "o-1", .qty = 2, .tags = {"gift"}};
  Payload p = to_payload(order);
  EXPECT_EQ(meta(p, "encoding"), "json/plain");
  EXPECT_EQ(p.data(), R"({"id":"o-1","qty":2,"tags":["gift"]})");
  EXPECT_EQ(from_payload<shop::Order>(p), order);
  // Python: json.dumps({"b": 1, "a": "x"}, separators=(",", ":"), sort_keys=True)
  EXPECT_EQ(to_payload(std::map<std::string, nlohmann::json>{{"b", 1}, {"a", "x"}}).data(), R"({"a":"x","b":1})");
}

TEST(PayloadConverter, DecodesPythonEscapedUnicode) {
  Payload python = json_payload(R"({"items":[{"qty":2,"sku":"a"}],"name":"\u00dcn\u00efcode"})");
  auto value = from_payload<nlohmann::json>(python);
  EXPECT_EQ(value["name"], "Ünïcode");
  EXPECT_EQ(value["items"][0]["qty"], 2);
}

TEST(PayloadConverter, NullishValuesAreBinaryNull) {
  for (const Payload& p : {to_payload(std::monostate{}), to_payload(std::nullopt), to_payload(nullptr), to_payload(),
                           to_payload(std::optional<int>{}), to_payload(nlohmann::json())}) {
    EXPECT_EQ(meta(p, "encoding"), "binary/null");
    EXPECT_EQ(p.metadata_size(), 1);
    EXPECT_TRUE(p.data().empty());
  }
  Payload null = to_payload();
  EXPECT_EQ(from_payload<std::optional<std::string>>(null), std::nullopt);
  EXPECT_TRUE(from_payload<nlohmann::json>(null).is_null());
  EXPECT_NO_THROW(from_payload<std::monostate>(null));
  EXPECT_NO_THROW(from_payload<void>(null));
  EXPECT_EQ(from_payload<std::optional<int>>(json_payload("null")), std::nullopt);
  EXPECT_EQ(from_payload<std::optional<int>>(json_payload("7")), 7);
  EXPECT_EQ(to_payload(std::optional<int>(7)).data(), "7");
}

TEST(PayloadConverter, BytesAreBinaryPlain) {
  Bytes raw = bytes_of({0x01, 0x02, 0xff});
  Payload p = to_payload(raw);
  EXPECT_EQ(meta(p, "encoding"), "binary/plain");
  EXPECT_EQ(p.data(), std::string("\x01\x02\xff", 3));
  EXPECT_EQ(from_payload<Bytes>(p), raw);
}

TEST(PayloadConverter, ProtobufMessagesAreProtoJsonWithMessageType) {
  temporal::api::common::v1::WorkflowExecution execution;
  execution.set_workflow_id("wf-1");
  execution.set_run_id("run-1");
  Payload p = to_payload(execution);
  EXPECT_EQ(meta(p, "encoding"), "json/protobuf");
  EXPECT_EQ(meta(p, "messageType"), "temporal.api.common.v1.WorkflowExecution");
  EXPECT_EQ(p.data(), R"({"runId":"run-1","workflowId":"wf-1"})");  // byte-identical to Python
  auto back = from_payload<temporal::api::common::v1::WorkflowExecution>(p);
  EXPECT_EQ(back.workflow_id(), "wf-1");
  EXPECT_EQ(back.run_id(), "run-1");
}

TEST(PayloadConverter, DecodesBinaryProtobuf) {
  temporal::api::common::v1::WorkflowType type;
  type.set_name("OrderWorkflow");
  Payload p;
  (*p.mutable_metadata())["encoding"] = "binary/protobuf";
  (*p.mutable_metadata())["messageType"] = "temporal.api.common.v1.WorkflowType";
  p.set_data(type.SerializeAsString());
  EXPECT_EQ(from_payload<temporal::api::common::v1::WorkflowType>(p).name(), "OrderWorkflow");
  EXPECT_THROW(from_payload<temporal::api::common::v1::WorkflowExecution>(p), PayloadConversionError);
}

TEST(PayloadConverter, UnknownEncodingIsAClearError) {
  Payload p;
  (*p.mutable_metadata())["encoding"] = "binary/encrypted";
  p.set_data("xyz");
  try {
    from_payload<std::string>(p);
    FAIL() << "expected PayloadConversionError";
  } catch (const PayloadConversionError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown payload encoding \"binary/encrypted\""), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("codec"), std::string::npos) << e.what();
  }
}

TEST(PayloadConverter, MismatchesNameTheEncodingAndTheType) {
  try {
    from_payload<int>(json_payload("\"abc\""));
    FAIL() << "expected PayloadConversionError";
  } catch (const PayloadConversionError& e) {
    EXPECT_NE(std::string(e.what()).find("int"), std::string::npos) << e.what();
  }
  EXPECT_THROW(from_payload<std::string>(to_payload(bytes_of({1}))), PayloadConversionError);
  EXPECT_THROW(from_payload<Bytes>(to_payload("x")), PayloadConversionError);
  EXPECT_THROW(from_payload<int>(to_payload()), PayloadConversionError);
  EXPECT_THROW(from_payload<int>(json_payload("{not json")), PayloadConversionError);
}

TEST(PayloadConverter, NumbersOutsideAnIntegerTypesRangeAreConversionErrors) {
  // A float beyond the range would be undefined behaviour in nlohmann's cast; a too-large
  // integer would wrap silently.
  EXPECT_THROW(from_payload<int64_t>(json_payload("1e308")), PayloadConversionError);
  EXPECT_THROW(from_payload<int64_t>(json_payload("-1e19")), PayloadConversionError);
  EXPECT_THROW(from_payload<int64_t>(json_payload("9223372036854775808")), PayloadConversionError);
  EXPECT_THROW(from_payload<int32_t>(json_payload("3000000000")), PayloadConversionError);
  EXPECT_THROW(from_payload<uint8_t>(json_payload("256")), PayloadConversionError);
  EXPECT_THROW(from_payload<uint32_t>(json_payload("-1")), PayloadConversionError);
  EXPECT_THROW(from_payload<std::optional<int64_t>>(json_payload("1e308")), PayloadConversionError);
  EXPECT_THROW(from_payload<std::vector<int64_t>>(json_payload("[1, 2, 1e300]")), PayloadConversionError);
  EXPECT_THROW((from_payload<std::map<std::string, int>>(json_payload(R"({"a": 1, "b": 1e20})"))), PayloadConversionError);
  EXPECT_THROW((from_payload<std::map<int, std::string>>(json_payload(R"([[1e20, "x"]])"))), PayloadConversionError);
  EXPECT_THROW(from_payload<std::vector<std::vector<int16_t>>>(json_payload("[[1], [40000]]")), PayloadConversionError);
  try {
    from_payload<int64_t>(json_payload("1e308"));
  } catch (const PayloadConversionError& e) {
    EXPECT_NE(std::string(e.what()).find("outside the integer type's range"), std::string::npos) << e.what();
  }

  // The edges of each range, and floats inside it (truncated toward zero, as nlohmann does).
  EXPECT_EQ(from_payload<int64_t>(json_payload("-9223372036854775808")), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(from_payload<int64_t>(json_payload("-9.223372036854775808e18")), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(from_payload<uint64_t>(json_payload("18446744073709551615")), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(from_payload<int32_t>(json_payload("-2147483648.5")), std::numeric_limits<int32_t>::min());
  EXPECT_EQ(from_payload<uint8_t>(json_payload("-0.5")), 0);
  EXPECT_EQ(from_payload<int64_t>(json_payload("1.9")), 1);
  EXPECT_EQ(from_payload<double>(json_payload("1e308")), 1e308);
  EXPECT_EQ((from_payload<std::map<std::string, int>>(json_payload(R"({"a": 1})"))), (std::map<std::string, int>{{"a", 1}}));
}

TEST(PayloadConverter, ToPayloadsKeepsArgumentOrder) {
  auto args = to_payloads(std::string("a"), 2, std::monostate{});
  ASSERT_EQ(args.size(), 3u);
  EXPECT_EQ(args[0].data(), "\"a\"");
  EXPECT_EQ(args[1].data(), "2");
  EXPECT_EQ(meta(args[2], "encoding"), "binary/null");
}

struct Celsius {
  double degrees;
};

}  // namespace

template <>
struct PayloadConverter<Celsius> {
  static Payload to_payload(const Celsius& c) {
    Payload p;
    (*p.mutable_metadata())["encoding"] = "text/celsius";
    p.set_data(std::to_string(static_cast<int>(c.degrees)));
    return p;
  }
  static Celsius from_payload(const Payload& p) { return Celsius{std::stod(p.data())}; }
};

namespace {

TEST(PayloadConverter, SpecializationTakesOverAType) {
  static_assert(PayloadConvertible<Celsius>);
  Payload p = to_payload(Celsius{21});
  EXPECT_EQ(meta(p, "encoding"), "text/celsius");
  EXPECT_EQ(from_payload<Celsius>(p).degrees, 21);
}

// --- codecs

// zlib.compress(Payload(json/plain {"spec":true}).SerializeToString()) from Python: the same
// zlib at the default level, so our output must be byte-identical.
constexpr const char* kPythonZlib =
    "789ce312e3e248cd4bce4fc9cc4b17e2ca2acecfd32fc849cccc13e2ad562a2e484d56b22a292a4dad0500e6050c93";

TEST(ZlibCodec, MatchesTheCrossSdkBinaryZlibFormat) {
  ZlibCodec codec({.always_encode = true});
  auto encoded = codec.encode({to_payload(nlohmann::json{{"spec", true}})});
  ASSERT_EQ(encoded.size(), 1u);
  EXPECT_EQ(meta(encoded[0], "encoding"), "binary/zlib");
  EXPECT_EQ(encoded[0].metadata_size(), 1);
  EXPECT_EQ(encoded[0].data(), unhex(kPythonZlib));

  Payload from_python;
  (*from_python.mutable_metadata())["encoding"] = "binary/zlib";
  from_python.set_data(unhex(kPythonZlib));
  auto decoded = codec.decode({from_python});
  EXPECT_EQ(meta(decoded[0], "encoding"), "json/plain");
  EXPECT_EQ(decoded[0].data(), R"({"spec":true})");
}

TEST(ZlibCodec, LeavesSmallPayloadsAndForeignEncodingsAlone) {
  ZlibCodec codec;
  Payload small = to_payload(1);
  EXPECT_EQ(codec.encode({small})[0].SerializeAsString(), small.SerializeAsString());
  Payload big = to_payload(std::string(10'000, 'a'));
  auto encoded = codec.encode({big, small});
  EXPECT_EQ(meta(encoded[0], "encoding"), "binary/zlib");
  EXPECT_LT(encoded[0].data().size(), 200u);
  auto decoded = codec.decode(encoded);
  EXPECT_EQ(decoded[0].SerializeAsString(), big.SerializeAsString());
  EXPECT_EQ(decoded[1].SerializeAsString(), small.SerializeAsString());
}

TEST(ZlibCodec, CorruptDataIsAnError) {
  Payload bad;
  (*bad.mutable_metadata())["encoding"] = "binary/zlib";
  bad.set_data("not zlib");
  EXPECT_THROW(ZlibCodec().decode({bad}), PayloadConversionError);
}

TEST(ZlibCodec, APayloadThatInflatesBeyondTheLimitIsRefused) {
  // 16 MB of one letter deflate to about 16 KB; decoding must stop at the limit, not allocate it all.
  ZlibCodec big({.always_encode = true});
  auto bomb = big.encode({to_payload(std::string(16 << 20, 'a'))});
  ASSERT_LT(bomb[0].data().size(), 64u << 10);
  try {
    ZlibCodec({.max_decoded_bytes = 1 << 20}).decode(bomb);
    ADD_FAILURE() << "a payload inflating to 16 MB passed a 1 MB limit";
  } catch (const PayloadConversionError& e) {
    EXPECT_NE(std::string(e.what()).find("max_decoded_bytes"), std::string::npos) << e.what();
  }
  EXPECT_EQ(big.decode(bomb)[0].data().size(), (16u << 20) + 2);  // the default limit is 64 MB
}

// Wraps data in "<name>:" so the order codecs run in is visible.
class TagCodec : public PayloadCodec {
 public:
  explicit TagCodec(std::string name) : name_(std::move(name)) {}
  std::vector<Payload> encode(std::vector<Payload> payloads) const override {
    for (auto& p : payloads) p.set_data(name_ + ":" + p.data());
    return payloads;
  }
  std::vector<Payload> decode(std::vector<Payload> payloads) const override {
    for (auto& p : payloads) {
      EXPECT_EQ(p.data().rfind(name_ + ":", 0), 0u) << "decoded out of order: " << p.data();
      p.set_data(p.data().substr(name_.size() + 1));
    }
    return payloads;
  }

 private:
  std::string name_;
};

TEST(DataConverter, RunsCodecsInOrderAndReversesThemOnDecode) {
  DataConverter dc{.codecs = {std::make_shared<TagCodec>("first"), std::make_shared<TagCodec>("second")}};
  auto payloads = dc.to_payloads(std::string("x"));
  EXPECT_EQ(payloads[0].data(), "second:first:\"x\"");
  EXPECT_EQ(dc.from_payload<std::string>(payloads[0]), "x");
}

// --- search attributes

TEST(SearchAttributes, CarryTheirTypeInMetadata) {
  using std::chrono::system_clock;
  auto t = system_clock::time_point(std::chrono::seconds(1'700'000'000) + std::chrono::milliseconds(250));
  SearchAttributes attrs{{"CustomKeywordField", Keyword{"gold"}},
                         {"CustomTextField", Text{"some words"}},
                         {"CustomIntField", int64_t{42}},
                         {"CustomDoubleField", 2.5},
                         {"CustomBoolField", true},
                         {"CustomDatetimeField", t},
                         {"CustomKeywordListField", KeywordList{"a", "b"}}};
  auto payloads = search_attribute_payloads(attrs);
  auto check = [&](const std::string& name, const std::string& type, const std::string& data) {
    const Payload& p = payloads.at(name);
    EXPECT_EQ(meta(p, "encoding"), "json/plain") << name;
    EXPECT_EQ(meta(p, "type"), type) << name;
    EXPECT_EQ(p.data(), data) << name;
  };
  check("CustomKeywordField", "Keyword", "\"gold\"");
  check("CustomTextField", "Text", "\"some words\"");
  check("CustomIntField", "Int", "42");
  check("CustomDoubleField", "Double", "2.5");
  check("CustomBoolField", "Bool", "true");
  check("CustomDatetimeField", "Datetime", "\"2023-11-14T22:13:20.25Z\"");
  check("CustomKeywordListField", "KeywordList", "[\"a\",\"b\"]");
  EXPECT_EQ(to_search_attributes(payloads), attrs);
}

TEST(SearchAttributes, ParseDatetimesWithOffsets) {
  Payload p = json_payload("\"2023-11-14T23:13:20+01:00\"");
  (*p.mutable_metadata())["type"] = "Datetime";
  auto value = std::get<std::chrono::system_clock::time_point>(search_attribute_value(p));
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::seconds>(value.time_since_epoch()).count(), 1'700'000'000);
}

TEST(SearchAttributes, AnIntHoldingANonIntegerIsAConversionError) {
  for (const char* json : {"1e308", "1.5", "\"7\""}) {
    Payload p = json_payload(json);
    (*p.mutable_metadata())["type"] = "Int";
    EXPECT_THROW(search_attribute_value(p), PayloadConversionError) << json;
  }
  Payload p = json_payload("-9223372036854775808");
  (*p.mutable_metadata())["type"] = "Int";
  EXPECT_EQ(std::get<int64_t>(search_attribute_value(p)), std::numeric_limits<int64_t>::min());
}

}  // namespace
}  // namespace stead
