#include <zlib.h>

#include <string>

#include "stead/errors.h"
#include "stead/payload_codec.h"

namespace stead {

namespace {

std::string deflate_all(const std::string& in, int level) {
  uLongf size = compressBound(static_cast<uLong>(in.size()));
  std::string out(size, '\0');
  int rc = compress2(reinterpret_cast<Bytef*>(out.data()), &size, reinterpret_cast<const Bytef*>(in.data()),
                     static_cast<uLong>(in.size()), level);
  if (rc != Z_OK) throw PayloadConversionError("zlib compression failed (code " + std::to_string(rc) + ")");
  out.resize(size);
  return out;
}

std::string inflate_all(const std::string& in, std::size_t max_out) {
  z_stream stream{};
  if (inflateInit(&stream) != Z_OK) throw PayloadConversionError("zlib: inflateInit failed");
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  stream.avail_in = static_cast<uInt>(in.size());
  std::string out;
  char buffer[16384];
  int rc = Z_OK;
  while (rc == Z_OK) {
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof(buffer);
    rc = inflate(&stream, Z_NO_FLUSH);
    out.append(buffer, sizeof(buffer) - stream.avail_out);
    if (rc == Z_BUF_ERROR && stream.avail_in == 0) break;  // truncated input
    if (out.size() > max_out) {
      inflateEnd(&stream);
      throw PayloadConversionError("binary/zlib payload inflates beyond " + std::to_string(max_out) +
                                   " bytes (ZlibCodecOptions::max_decoded_bytes)");
    }
  }
  inflateEnd(&stream);
  if (rc != Z_STREAM_END) throw PayloadConversionError("binary/zlib payload is corrupt or truncated");
  return out;
}

}  // namespace

std::vector<Payload> ZlibCodec::encode(std::vector<Payload> payloads) const {
  for (auto& payload : payloads) {
    std::string inner = payload.SerializeAsString();
    std::string compressed = deflate_all(inner, options_.level);
    if (compressed.size() >= inner.size() && !options_.always_encode) continue;
    Payload out;
    (*out.mutable_metadata())[std::string(encoding::kMetadataKey)] = std::string(encoding::kZlib);
    out.set_data(std::move(compressed));
    payload = std::move(out);
  }
  return payloads;
}

std::vector<Payload> ZlibCodec::decode(std::vector<Payload> payloads) const {
  for (auto& payload : payloads) {
    if (encoding_of(payload) != encoding::kZlib) continue;
    Payload inner;
    if (!inner.ParseFromString(inflate_all(payload.data(), options_.max_decoded_bytes)))
      throw PayloadConversionError("binary/zlib payload does not hold a Payload message");
    payload = std::move(inner);
  }
  return payloads;
}

}  // namespace stead
