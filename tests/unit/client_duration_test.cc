// Durations from clients are validated and capped as Temporal does; conversions and deadline
// arithmetic saturate instead of wrapping.
#include "common/client_duration.h"

#include <gtest/gtest.h>

#include "common/time_util.h"

namespace stead {
namespace {

google::protobuf::Duration duration(int64_t seconds, int32_t nanos = 0) {
  google::protobuf::Duration d;
  d.set_seconds(seconds);
  d.set_nanos(nanos);
  return d;
}

constexpr int64_t kYear = 365LL * 24 * 3600;

TEST(ClientDuration, ValidValuesAreKept) {
  for (auto d : {duration(0), duration(1, 500), duration(100 * kYear - 1, 999'999'999)}) {
    auto copy = d;
    EXPECT_EQ(validate_and_cap(&copy), nullptr);
    EXPECT_EQ(copy.seconds(), d.seconds());
    EXPECT_EQ(copy.nanos(), d.nanos());
  }
  EXPECT_EQ(validate_and_cap(nullptr), nullptr);  // unset
}

TEST(ClientDuration, LongerThanAHundredYearsIsCappedToExactlyAHundredYears) {
  for (auto d : {duration(100 * kYear, 1), duration(1000 * kYear), duration(INT64_MAX, 999'999'999)}) {
    EXPECT_EQ(validate_and_cap(&d), nullptr);
    EXPECT_EQ(d.seconds(), 100 * kYear);
    EXPECT_EQ(d.nanos(), 0);
  }
}

TEST(ClientDuration, NegativeMixedSignsAndBadNanosAreInvalid) {
  auto negative = duration(-1);
  EXPECT_STREQ(validate_and_cap(&negative), "negative duration");
  auto negative_nanos = duration(0, -1);
  EXPECT_STREQ(validate_and_cap(&negative_nanos), "negative duration");
  auto mixed = duration(5, -1);
  EXPECT_STREQ(validate_and_cap(&mixed), "duration has seconds and nanos with different signs");
  auto nanos = duration(1, 1'000'000'000);
  EXPECT_STREQ(validate_and_cap(&nanos), "nanos out of range");
  auto most_negative = duration(INT64_MIN);
  EXPECT_STREQ(validate_and_cap(&most_negative), "negative duration");

  Status s = validate_and_cap(&negative, "WorkflowRunTimeout");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "Invalid WorkflowRunTimeout: negative duration.");
}

TEST(TimeUtil, ConversionsAndDeadlinesSaturate) {
  EXPECT_EQ(from_proto(duration(INT64_MAX)), Duration::max());
  EXPECT_EQ(from_proto(duration(INT64_MIN)), Duration::min());
  google::protobuf::Timestamp far;
  far.set_seconds(INT64_MAX);
  EXPECT_EQ(from_proto(far), TimePoint::max());

  TimePoint now = std::chrono::system_clock::now();
  EXPECT_EQ(add_saturating(now, Duration::max()), TimePoint::max());
  EXPECT_EQ(add_saturating(now, duration(1000 * kYear)), TimePoint::max());
  EXPECT_EQ(add_saturating(TimePoint::min() + std::chrono::seconds(1), -std::chrono::seconds(2)), TimePoint::min());
  EXPECT_EQ(add_saturating(now, std::chrono::seconds(5)), now + std::chrono::seconds(5));
  // The 100-year cap always fits: deadlines of capped durations are exact.
  EXPECT_EQ(add_saturating(now, duration(100 * kYear)), now + std::chrono::seconds(100 * kYear));
}

}  // namespace
}  // namespace stead
