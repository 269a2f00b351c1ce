// Fuzz target: payloads and failures as another process could send them, decoded by the C++
// SDK's data converter (zlib codec, json/plain, binary/plain, json/protobuf, binary/null) and
// failure converter.
//
// Input: byte 0 chooses how the rest is read: even, as a serialized Payload (whose metadata
// says its encoding); odd, as a serialized temporal.api.failure.v1.Failure.
//
// Checks, for every input, beyond "does not crash, hang or trip a sanitizer":
// - decoding either succeeds or throws PayloadConversionError, never anything else;
// - what decodes as JSON re-encodes and decodes to the same value;
// - a JSON integer that decodes as int64_t has the same value (out of range is an error);
// - a failure converts to a FailureError whose cause chain ends.
//
// Built with -fsanitize=fuzzer when STEAD_FUZZ=ON (scripts/fuzz), otherwise linked with
// standalone_driver.cc to replay the corpus as a unit test.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "stead/converter.h"
#include "stead/errors.h"
#include "temporal/api/common/v1/message.pb.h"
#include "temporal/api/failure/v1/message.pb.h"

namespace {

#define FUZZ_CHECK(cond, what)                                                                  \
  do {                                                                                          \
    if (!(cond)) {                                                                              \
      std::fprintf(stderr, "payload_fuzz: check failed: %s (%s)\n", #cond, std::string(what).c_str()); \
      std::abort();                                                                             \
    }                                                                                           \
  } while (0)

const stead::DataConverter& converter() {
  static const stead::DataConverter* c = [] {
    stead::DataConverter dc;
    dc.codecs.push_back(std::make_shared<stead::ZlibCodec>(stead::ZlibCodecOptions{.max_decoded_bytes = 1 << 20}));
    return new stead::DataConverter(std::move(dc));
  }();
  return *c;
}

// Decodes into T; false when the payload is not a T (PayloadConversionError).
template <class T>
bool try_decode(const stead::Payload& payload, T* out) {
  try {
    *out = converter().from_payload<T>(payload);
    return true;
  } catch (const stead::PayloadConversionError&) {
    return false;
  }
}

void fuzz_payload(const stead::Payload& payload) {
  nlohmann::json json;
  if (try_decode(payload, &json)) {
    nlohmann::json again = converter().from_payload<nlohmann::json>(converter().to_payloads(json).front());
    FUZZ_CHECK(again == json, json.dump());
  }
  std::string text;
  try_decode(payload, &text);
  int64_t number = 0;
  if (try_decode(payload, &number) && (json.is_number_integer() || json.is_number_unsigned())) {
    // Compared as text: nlohmann's == wraps an unsigned to signed just as a bad decode would.
    FUZZ_CHECK(json.dump() == std::to_string(number), json.dump());
  }
  std::vector<int64_t> numbers;
  try_decode(payload, &numbers);
  double real = 0;
  try_decode(payload, &real);
  bool flag = false;
  try_decode(payload, &flag);
  std::vector<std::string> list;
  try_decode(payload, &list);
  std::map<std::string, int> map;
  try_decode(payload, &map);
  std::optional<std::string> maybe;
  try_decode(payload, &maybe);
  stead::Bytes bytes;
  try_decode(payload, &bytes);
  temporal::api::common::v1::WorkflowExecution message;
  try_decode(payload, &message);
}

void fuzz_failure(const temporal::api::failure::v1::Failure& failure) {
  std::shared_ptr<const stead::FailureError> error;
  try {
    error = converter().from_failure(failure);
  } catch (const stead::PayloadConversionError&) {
    return;
  }
  FUZZ_CHECK(error != nullptr, failure.ShortDebugString());
  int depth = 0;
  for (const stead::FailureError* e = error.get(); e; e = e->cause().get()) FUZZ_CHECK(++depth < 1000, "cause chain");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const char* bytes = reinterpret_cast<const char*>(data + 1);
  const int n = static_cast<int>(size - 1);
  if (data[0] % 2 == 0) {
    stead::Payload payload;
    if (payload.ParseFromArray(bytes, n)) fuzz_payload(payload);
  } else {
    temporal::api::failure::v1::Failure failure;
    if (failure.ParseFromArray(bytes, n)) fuzz_failure(failure);
  }
  return 0;
}
