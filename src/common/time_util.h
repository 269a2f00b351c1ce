// Conversions between std::chrono and google.protobuf.{Timestamp,Duration}.
//
// Conversions from protos saturate instead of overflowing (a proto holds 10,000 years, a
// nanosecond count about 292), and deadlines are computed with add_saturating, so no stored
// value can wrap around. Values from clients are first checked by common/client_duration.h.
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>

#include <google/protobuf/duration.pb.h>
#include <google/protobuf/timestamp.pb.h>

namespace stead {

using TimePoint = std::chrono::system_clock::time_point;
using Duration = std::chrono::nanoseconds;

inline google::protobuf::Timestamp to_proto(TimePoint t) {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  google::protobuf::Timestamp ts;
  ts.set_seconds(ns / 1'000'000'000);
  ts.set_nanos(static_cast<int32_t>(ns % 1'000'000'000));
  if (ts.nanos() < 0) {
    ts.set_seconds(ts.seconds() - 1);
    ts.set_nanos(ts.nanos() + 1'000'000'000);
  }
  return ts;
}

namespace detail {
// seconds + nanos as nanoseconds, clamped to what int64 nanoseconds can hold.
inline Duration saturating_nanos(int64_t seconds, int32_t nanos) {
  constexpr int64_t kLimit = std::numeric_limits<int64_t>::max() / 1'000'000'000 - 1;
  if (seconds > kLimit) return Duration::max();
  if (seconds < -kLimit) return Duration::min();
  return std::chrono::seconds(seconds) + std::chrono::nanoseconds(nanos);
}
}  // namespace detail

inline TimePoint from_proto(const google::protobuf::Timestamp& ts) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(detail::saturating_nanos(ts.seconds(), ts.nanos())));
}

inline google::protobuf::Duration to_proto_duration(Duration d) {
  google::protobuf::Duration out;
  out.set_seconds(d.count() / 1'000'000'000);
  out.set_nanos(static_cast<int32_t>(d.count() % 1'000'000'000));
  return out;
}

inline Duration from_proto(const google::protobuf::Duration& d) { return detail::saturating_nanos(d.seconds(), d.nanos()); }

// t + d, clamped to TimePoint's range: the deadline arithmetic of the server.
inline TimePoint add_saturating(TimePoint t, Duration d) {
  using Rep = TimePoint::duration::rep;
  Rep base = t.time_since_epoch().count();
  Rep delta = std::chrono::duration_cast<TimePoint::duration>(d).count();
  if (delta > 0 && base > std::numeric_limits<Rep>::max() - delta) return TimePoint::max();
  if (delta < 0 && base < std::numeric_limits<Rep>::min() - delta) return TimePoint::min();
  return TimePoint(TimePoint::duration(base + delta));
}
inline TimePoint add_saturating(TimePoint t, const google::protobuf::Duration& d) {
  return add_saturating(t, from_proto(d));
}

inline int64_t to_unix_millis(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace stead
