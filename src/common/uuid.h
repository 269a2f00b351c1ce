// Random (version 4) UUIDs for run ids and request ids.
#pragma once

#include <string>

namespace stead {

// Thread-safe; uses a per-thread generator seeded from std::random_device.
std::string new_uuid();

}  // namespace stead
