// stead::Payload: one value on the wire, as every Temporal SDK sees it.
//
// A Payload is Temporal's own protobuf message (temporal.api.common.v1.Payload): `metadata`
// (at least "encoding") and `data`. An argument list is a std::vector<Payload>, one Payload
// per argument; a result is one Payload. stead/payload_converter.h turns C++ values into
// Payloads and back; stead/payload_codec.h transforms Payloads (compression, encryption).
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "temporal/api/common/v1/message.pb.h"

namespace stead {

using Payload = temporal::api::common::v1::Payload;

// Raw bytes: encoded as `binary/plain`, like Go's []byte, Python's bytes and TS's Uint8Array.
using Bytes = std::vector<std::byte>;

// The `encoding` metadata values every Temporal SDK understands (temporal-protocol.md §5).
namespace encoding {
inline constexpr std::string_view kMetadataKey = "encoding";
inline constexpr std::string_view kNull = "binary/null";
inline constexpr std::string_view kBinary = "binary/plain";
inline constexpr std::string_view kProtobufJson = "json/protobuf";
inline constexpr std::string_view kProtobuf = "binary/protobuf";
inline constexpr std::string_view kJson = "json/plain";
// Codec encodings (not part of the protocol; the names the Go SDK uses).
inline constexpr std::string_view kZlib = "binary/zlib";
// The metadata key naming a protobuf payload's message type, e.g. "temporal.api.common.v1.WorkflowType".
inline constexpr std::string_view kMessageTypeKey = "messageType";
}  // namespace encoding

// The `encoding` metadata of `payload`, or "" when it has none.
inline std::string_view encoding_of(const Payload& payload) {
  auto it = payload.metadata().find(std::string(encoding::kMetadataKey));
  return it == payload.metadata().end() ? std::string_view() : std::string_view(it->second);
}

}  // namespace stead
