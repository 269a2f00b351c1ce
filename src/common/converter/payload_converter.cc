#include "stead/payload_converter.h"

#include <cxxabi.h>

#include <cstdlib>
#include <memory>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/json_util.h>

namespace stead::detail {

namespace {

Payload with_encoding(std::string_view encoding, std::string data) {
  Payload p;
  (*p.mutable_metadata())[std::string(encoding::kMetadataKey)] = std::string(encoding);
  p.set_data(std::move(data));
  return p;
}

std::string describe_encoding(const Payload& payload) {
  auto enc = encoding_of(payload);
  return enc.empty() ? std::string("(no encoding metadata)") : "\"" + std::string(enc) + "\"";
}

[[noreturn]] void throw_unsupported(const Payload& payload, const std::string& target, std::string_view accepted) {
  auto enc = encoding_of(payload);
  bool known = enc == encoding::kNull || enc == encoding::kBinary || enc == encoding::kProtobufJson ||
               enc == encoding::kProtobuf || enc == encoding::kJson;
  std::string message = known ? "cannot decode a payload with encoding " + describe_encoding(payload) + " into " +
                                    target + " (accepted: " + std::string(accepted) + ")"
                              : "unknown payload encoding " + describe_encoding(payload) + " (decoding into " +
                                    target + "); is a payload codec missing from the data converter?";
  throw PayloadConversionError(message);
}

}  // namespace

std::string demangle(const char* mangled_name) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> name(abi::__cxa_demangle(mangled_name, nullptr, nullptr, &status), std::free);
  return status == 0 && name ? std::string(name.get()) : std::string(mangled_name);
}

Payload null_payload() { return with_encoding(encoding::kNull, ""); }

Payload binary_payload(const Bytes& bytes) {
  return with_encoding(encoding::kBinary, std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

// Proto3 JSON, then re-serialized with sorted keys and no spaces: the Python SDK's exact
// output (json.dumps(MessageToDict(m), separators=(",", ":"), sort_keys=True)).
Payload proto_payload(const google::protobuf::Message& message) {
  std::string json;
  auto status = google::protobuf::util::MessageToJsonString(message, &json);
  if (!status.ok())
    throw PayloadConversionError("cannot encode " + message.GetTypeName() + " as proto JSON: " +
                                 std::string(status.message()));
  Payload p = with_encoding(encoding::kProtobufJson, nlohmann::json::parse(json).dump());
  (*p.mutable_metadata())[std::string(encoding::kMessageTypeKey)] = message.GetDescriptor()->full_name();
  return p;
}

Payload json_payload(const nlohmann::json& value) {
  try {
    return with_encoding(encoding::kJson, value.dump());
  } catch (const nlohmann::json::exception& e) {
    throw PayloadConversionError(std::string("cannot encode value as json/plain: ") + e.what());
  }
}

Bytes binary_from_payload(const Payload& payload, const std::string& target) {
  if (encoding_of(payload) != encoding::kBinary) throw_unsupported(payload, target, "binary/plain");
  const auto& data = payload.data();
  const auto* begin = reinterpret_cast<const std::byte*>(data.data());
  return Bytes(begin, begin + data.size());
}

void proto_from_payload(const Payload& payload, google::protobuf::Message* out, const std::string& target) {
  auto enc = encoding_of(payload);
  if (enc != encoding::kProtobufJson && enc != encoding::kProtobuf)
    throw_unsupported(payload, target, "json/protobuf, binary/protobuf");
  auto type = payload.metadata().find(std::string(encoding::kMessageTypeKey));
  const std::string& expected = out->GetDescriptor()->full_name();
  if (type != payload.metadata().end() && type->second != expected)
    throw PayloadConversionError("payload holds protobuf message " + type->second + ", not " + expected);
  if (enc == encoding::kProtobuf) {
    if (!out->ParseFromString(payload.data()))
      throw PayloadConversionError("malformed binary/protobuf payload for " + expected);
    return;
  }
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;  // a newer sender may know more fields
  auto status = google::protobuf::util::JsonStringToMessage(payload.data(), out, options);
  if (!status.ok())
    throw PayloadConversionError("malformed json/protobuf payload for " + expected + ": " +
                                 std::string(status.message()));
}

nlohmann::json json_from_payload(const Payload& payload, const std::string& target) {
  auto enc = encoding_of(payload);
  if (enc == encoding::kNull) return nullptr;
  if (enc != encoding::kJson) throw_unsupported(payload, target, "json/plain, binary/null");
  try {
    return nlohmann::json::parse(payload.data());
  } catch (const nlohmann::json::exception& e) {
    throw PayloadConversionError("malformed json/plain payload (decoding into " + target + "): " + e.what());
  }
}

void throw_json_mismatch(const Payload& payload, const std::string& target, const char* what) {
  std::string data = payload.data().size() > 200 ? payload.data().substr(0, 200) + "..." : payload.data();
  throw PayloadConversionError("cannot decode " + describe_encoding(payload) + " payload " +
                               (encoding_of(payload) == encoding::kNull ? std::string("null") : data) + " into " +
                               target + ": " + what);
}

}  // namespace stead::detail
