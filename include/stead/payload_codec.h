// PayloadCodec: a transform over encoded payloads (compression, encryption), applied after
// the payload converter on the way out and before it on the way in.
//
// Codecs see every payload the SDK sends or receives through user data: workflow and
// activity arguments and results, signal/query/update arguments and results, memo values,
// and the payloads inside failures (details, heartbeat details, encoded attributes). Search
// attributes are never encoded: the server must read them.
//
// A codec must be able to decode its own output and must pass through, untouched, payloads
// it did not encode (check the `encoding` metadata), so that data written before the codec
// was added stays readable.
//
// Thread safety: encode and decode are called concurrently from any thread.
#pragma once

#include <cstddef>
#include <vector>

#include "stead/payload.h"

namespace stead {

class PayloadCodec {
 public:
  virtual ~PayloadCodec() = default;
  // Returns as many payloads as it was given, in order. Throws on failure (the SDK reports
  // it as a PayloadConversionError to the caller).
  virtual std::vector<Payload> encode(std::vector<Payload> payloads) const = 0;
  virtual std::vector<Payload> decode(std::vector<Payload> payloads) const = 0;
};

struct ZlibCodecOptions {
  // Compress even when the result is not smaller than the input.
  bool always_encode = false;
  // zlib level 0 (store) .. 9 (best); -1 = zlib's default (6).
  int level = -1;
  // Decoding refuses a payload that inflates beyond this: a few kilobytes of zlib data can
  // expand a thousandfold (a "zip bomb"), and payloads come from other processes.
  std::size_t max_decoded_bytes = 64 << 20;
};

// Compression with zlib, wire-compatible with the Go SDK's converter.NewZlibCodec (the
// `binary/zlib` encoding of Temporal's cross-SDK feature tests): the whole inner Payload is
// serialized as protobuf, deflated in zlib format (RFC 1950), and carried as the data of a
// payload whose only metadata is encoding = "binary/zlib". Unless always_encode, a payload
// is left as it is when compressing would not make it smaller.
class ZlibCodec : public PayloadCodec {
 public:
  explicit ZlibCodec(ZlibCodecOptions options = {}) : options_(options) {}
  std::vector<Payload> encode(std::vector<Payload> payloads) const override;
  // Throws PayloadConversionError on corrupt data or data that inflates beyond
  // max_decoded_bytes.
  std::vector<Payload> decode(std::vector<Payload> payloads) const override;

 private:
  ZlibCodecOptions options_;
};

}  // namespace stead
