#include "common/client_duration.h"

#include <string>

namespace stead {

const char* validate_and_cap(google::protobuf::Duration* d) {
  if (d == nullptr) return nullptr;
  if (d->nanos() <= -1'000'000'000 || d->nanos() >= 1'000'000'000) return "nanos out of range";
  if ((d->seconds() > 0 && d->nanos() < 0) || (d->seconds() < 0 && d->nanos() > 0))
    return "duration has seconds and nanos with different signs";
  if (d->seconds() < 0 || d->nanos() < 0) return "negative duration";
  // A year of 365 days is a whole number of seconds, so the cap has no nanos.
  if (d->seconds() >= kMaxClientDuration.count()) {
    d->set_seconds(kMaxClientDuration.count());
    d->set_nanos(0);
  }
  return nullptr;
}

Status validate_and_cap(google::protobuf::Duration* d, std::string_view field) {
  const char* why = validate_and_cap(d);
  if (why == nullptr) return Status::Ok();
  return Status::InvalidArgument("Invalid " + std::string(field) + ": " + why + ".");
}

}  // namespace stead
