// Random (version 4) UUIDs for run ids and request ids.
#pragma once

#include <cstdint>
#include <string>

namespace stead {

// Thread-safe; uses a per-thread generator seeded from std::random_device.
std::string new_uuid();

// The version 4 UUID made of these 128 random bits (version and variant bits overwritten):
// how workflow code gets UUIDs from its deterministic random source.
std::string uuid4_from_bits(uint64_t hi, uint64_t lo);

}  // namespace stead
