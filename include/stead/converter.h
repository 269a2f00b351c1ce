// stead::DataConverter: how every value crosses the wire, bundled for a client or worker.
//
//   payload conversion  C++ value <-> Payload      (stead/payload_converter.h, compile time:
//                                                    chosen by the static type; customize
//                                                    with a stead::PayloadConverter<T>
//                                                    specialization)
//   payload codecs      Payload list <-> Payload list (stead/payload_codec.h: compression,
//                                                    encryption)
//   failure conversion  exception <-> Failure      (stead/failure_converter.h)
//
//   auto client = stead::Client::connect({
//       .address = "localhost:7233",
//       .data_converter = {.codecs = {std::make_shared<stead::ZlibCodec>()}}});
//
// Thread safety: a DataConverter is immutable once in use; all methods are const and
// thread-safe (codecs and failure converters must be thread-safe too).
#pragma once

#include <exception>
#include <memory>
#include <vector>

#include "stead/errors.h"
#include "stead/failure_converter.h"
#include "stead/payload.h"
#include "stead/payload_codec.h"
#include "stead/payload_converter.h"

namespace stead {

// The shared default failure converter.
std::shared_ptr<const FailureConverter> default_failure_converter();

struct DataConverter {
  // Encoding runs the codecs in this order (codecs[0] first: {zlib, encryption} compresses
  // and then encrypts); decoding runs them in reverse. The order of the TypeScript SDK's
  // payloadCodecs (Go's NewCodecDataConverter takes its codecs the other way round).
  std::vector<std::shared_ptr<const PayloadCodec>> codecs{};
  // Null means default_failure_converter().
  std::shared_ptr<const FailureConverter> failure_converter{};

  // Codecs only. Both throw what a codec throws.
  std::vector<Payload> encode(std::vector<Payload> payloads) const;
  std::vector<Payload> decode(std::vector<Payload> payloads) const;

  // Converts and encodes: the payloads to send for these values.
  template <class... Args>
  std::vector<Payload> to_payloads(const Args&... values) const {
    return encode(stead::to_payloads(values...));
  }
  // Decodes and converts one received payload.
  template <class T>
  T from_payload(const Payload& payload) const {
    return stead::from_payload<T>(decode({payload}).front());
  }

  // The Failure to send for an exception, with the payloads inside it encoded.
  Failure to_failure(std::exception_ptr error) const;
  // The error a received Failure stands for, after decoding the payloads inside it.
  std::shared_ptr<const FailureError> from_failure(const Failure& failure) const;

  // Runs the codecs over every payload inside `failure` (details, heartbeat details,
  // encoded attributes) and its causes, in place.
  void encode_failure(Failure* failure) const;
  void decode_failure(Failure* failure) const;

  const FailureConverter& failures() const {
    return failure_converter ? *failure_converter : *default_failure_converter();
  }
};

}  // namespace stead
