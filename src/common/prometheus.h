// Prometheus metrics: a registry of counter, gauge and histogram families with labels, rendered
// in the text exposition format 0.0.4 (what a Prometheus server scrapes from /metrics).
//
//   prometheus::Registry registry;
//   auto& requests = registry.counter("stead_rpc_requests_total", "RPCs answered.", {"method", "code"});
//   prometheus::Counter& ok = requests.with({"StartWorkflowExecution", "OK"});  // keep the reference
//   ok.inc();                                                                 // atomic add, no lock
//   std::string text = registry.text();
//
// Cost: recording on a series is atomic operations only; `with` (finding or creating the series
// for label values) takes the family's mutex, so code on a hot path looks its series up once.
// Series and families live as long as the registry; references to them stay valid. Callers keep
// label values bounded (a method name from a fixed set, never a raw request field).
// Thread safety: every method may be called concurrently.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace stead::prometheus {

class Counter {
 public:
  void inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class Gauge {
 public:
  void add(int64_t delta) { value_.fetch_add(delta, std::memory_order_relaxed); }
  void set(int64_t value) { value_.store(value, std::memory_order_relaxed); }
  int64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

class Histogram {
 public:
  // `bounds`: the buckets' upper bounds, ascending (+Inf is implicit).
  explicit Histogram(std::vector<double> bounds);
  void observe(double value);
  struct Snapshot {
    std::vector<uint64_t> cumulative;  // one per bound, then +Inf (== count)
    double sum = 0;
  };
  Snapshot snapshot() const;
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // per bucket, the last one +Inf
  std::atomic<uint64_t> sum_bits_{0};                  // the sum as a double's bits (CAS loop)
};

// Seconds: the Prometheus client libraries' default buckets.
const std::vector<double>& default_seconds_buckets();

// A metric name with label names; `with(values)` is one series.
template <class Metric>
class Family {
 public:
  template <class... MetricArgs>
  Family(std::string name, std::string help, std::vector<std::string> label_names, MetricArgs... args)
      : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)),
        make_([args...] { return std::make_unique<Metric>(args...); }) {}

  // The series for `label_values` (one per label name), created at first use.
  Metric& with(const std::vector<std::string>& label_values) {
    std::lock_guard lock(mu_);
    auto& slot = series_[label_values];
    if (!slot) slot = make_();
    return *slot;
  }

  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& label_names() const { return label_names_; }
  // Calls `visit(label_values, metric)` for every series, in label order.
  template <class Visit>
  void for_each(Visit visit) const {
    std::lock_guard lock(mu_);
    for (const auto& [values, metric] : series_) visit(values, *metric);
  }

 private:
  std::string name_, help_;
  std::vector<std::string> label_names_;
  std::function<std::unique_ptr<Metric>()> make_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<Metric>> series_;
};

// One sample of a gauge read at scrape time (Registry::gauge_callback).
struct Sample {
  std::vector<std::string> label_values;
  double value = 0;
};

class Registry {
 public:
  Family<Counter>& counter(std::string name, std::string help, std::vector<std::string> label_names = {});
  Family<Gauge>& gauge(std::string name, std::string help, std::vector<std::string> label_names = {});
  Family<Histogram>& histogram(std::string name, std::string help, std::vector<std::string> label_names,
                               std::vector<double> bounds);
  // A gauge whose samples `read` computes at each scrape (a queue's length, open runs), called
  // without any registry lock held. REQUIRES: `read` stays callable as long as the registry.
  void gauge_callback(std::string name, std::string help, std::vector<std::string> label_names,
                      std::function<std::vector<Sample>()> read);

  // Every family, in registration order, as text/plain; version=0.0.4.
  std::string text() const;

 private:
  struct Callback {
    std::string name, help;
    std::vector<std::string> label_names;
    std::function<std::vector<Sample>()> read;
  };
  mutable std::mutex mu_;
  // Registration order; each entry renders one family.
  std::vector<std::function<void(std::string&)>> renderers_;
  std::vector<std::unique_ptr<Family<Counter>>> counters_;
  std::vector<std::unique_ptr<Family<Gauge>>> gauges_;
  std::vector<std::unique_ptr<Family<Histogram>>> histograms_;
  std::vector<std::unique_ptr<Callback>> callbacks_;
};

// Exposition-format helpers: a label value with backslash, double quote and newline escaped;
// a number as Prometheus reads it ("+Inf", "NaN", shortest round-trip otherwise).
std::string escape_label_value(std::string_view value);
std::string format_number(double value);

}  // namespace stead::prometheus
