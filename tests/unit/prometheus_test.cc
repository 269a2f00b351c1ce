// common/prometheus: families, series, the text exposition format, and concurrent recording.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "common/prometheus.h"

namespace stead::prometheus {
namespace {

TEST(Prometheus, RendersCountersGaugesAndHistogramsInRegistrationOrder) {
  Registry registry;
  auto& calls = registry.counter("calls_total", "Calls.", {"method", "code"});
  auto& depth = registry.gauge("depth", "Depth.");
  auto& latency = registry.histogram("latency_seconds", "Latency.", {"method"}, {0.1, 1});
  calls.with({"Start", "OK"}).inc(3);
  calls.with({"Start", "NOT_FOUND"}).inc();
  depth.with({}).set(-2);
  Histogram& h = latency.with({"Start"});
  h.observe(0.0625);
  h.observe(0.5);
  h.observe(0.5);
  h.observe(7);
  EXPECT_EQ(registry.text(),
            "# HELP calls_total Calls.\n# TYPE calls_total counter\n"
            "calls_total{method=\"Start\",code=\"NOT_FOUND\"} 1\n"
            "calls_total{method=\"Start\",code=\"OK\"} 3\n"
            "# HELP depth Depth.\n# TYPE depth gauge\n"
            "depth -2\n"
            "# HELP latency_seconds Latency.\n# TYPE latency_seconds histogram\n"
            "latency_seconds_bucket{method=\"Start\",le=\"0.1\"} 1\n"
            "latency_seconds_bucket{method=\"Start\",le=\"1\"} 3\n"
            "latency_seconds_bucket{method=\"Start\",le=\"+Inf\"} 4\n"
            "latency_seconds_sum{method=\"Start\"} 8.0625\n"
            "latency_seconds_count{method=\"Start\"} 4\n");
}

TEST(Prometheus, EscapesLabelValuesAndFormatsNumbers) {
  EXPECT_EQ(escape_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  EXPECT_EQ(format_number(0.005), "0.005");
  EXPECT_EQ(format_number(2.5), "2.5");
  EXPECT_EQ(format_number(1e21), "1e+21");
  EXPECT_EQ(format_number(1.0 / 0.0), "+Inf");
  EXPECT_EQ(format_number(0.0 / 0.0), "NaN");

  Registry registry;
  registry.counter("odd_total", "Odd.", {"name"}).with({"x\"y"}).inc();
  EXPECT_NE(registry.text().find("odd_total{name=\"x\\\"y\"} 1\n"), std::string::npos) << registry.text();
}

TEST(Prometheus, GaugeCallbacksAreReadAtEachScrape) {
  Registry registry;
  int waiting = 1;
  registry.gauge_callback("waiting", "Waiting.", {"queue"}, [&] {
    return std::vector<Sample>{{{"q1"}, static_cast<double>(waiting)}};
  });
  EXPECT_NE(registry.text().find("waiting{queue=\"q1\"} 1\n"), std::string::npos);
  waiting = 5;
  EXPECT_NE(registry.text().find("waiting{queue=\"q1\"} 5\n"), std::string::npos);
}

TEST(Prometheus, ConcurrentRecordingLosesNothing) {
  Registry registry;
  auto& calls = registry.counter("calls_total", "Calls.", {"thread"});
  auto& latency = registry.histogram("latency_seconds", "Latency.", {}, default_seconds_buckets());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Counter& mine = calls.with({std::to_string(t % 2)});  // two threads share each series
      Histogram& h = latency.with({});
      for (int i = 0; i < 10000; ++i) {
        mine.inc();
        h.observe(0.25);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(calls.with({"0"}).value(), 20000u);
  EXPECT_EQ(calls.with({"1"}).value(), 20000u);
  Histogram::Snapshot s = latency.with({}).snapshot();
  EXPECT_EQ(s.cumulative.back(), 40000u);
  EXPECT_DOUBLE_EQ(s.sum, 10000.0);  // 0.25 is exact in binary: no rounding
}

}  // namespace
}  // namespace stead::prometheus
