#include "common/prometheus.h"

#include <bit>
#include <cmath>
#include <cstdio>

namespace stead::prometheus {

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {}

void Histogram::observe(double value) {
  size_t i = 0;
  while (i < bounds_.size() && value > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  uint64_t expected = sum_bits_.load(std::memory_order_relaxed);
  while (!sum_bits_.compare_exchange_weak(expected, std::bit_cast<uint64_t>(std::bit_cast<double>(expected) + value),
                                          std::memory_order_relaxed)) {
  }
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot out;
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    out.cumulative.push_back(running);
  }
  out.sum = std::bit_cast<double>(sum_bits_.load(std::memory_order_relaxed));
  return out;
}

const std::vector<double>& default_seconds_buckets() {
  static const std::vector<double> buckets = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return buckets;
}

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string format_number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buf[32];
  double back = 0;
  // The shortest form that reads back to the same double.
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, value);
    if (std::sscanf(buf, "%lf", &back) == 1 && back == value) break;
  }
  return buf;
}

namespace {

// `{a="x",b="y"}` (with `extra` appended, e.g. le="0.5"), or "" when there are no labels.
std::string label_set(const std::vector<std::string>& names, const std::vector<std::string>& values,
                      const std::string& extra = "") {
  std::string out;
  for (size_t i = 0; i < names.size() && i < values.size(); ++i) {
    out += out.empty() ? "{" : ",";
    out += names[i] + "=\"" + escape_label_value(values[i]) + "\"";
  }
  if (!extra.empty()) out += (out.empty() ? "{" : ",") + extra;
  if (!out.empty()) out += "}";
  return out;
}

void header(std::string& out, const std::string& name, const std::string& help, const char* type) {
  out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

Family<Counter>& Registry::counter(std::string name, std::string help, std::vector<std::string> label_names) {
  std::lock_guard lock(mu_);
  auto* family = counters_.emplace_back(std::make_unique<Family<Counter>>(std::move(name), std::move(help),
                                                                          std::move(label_names))).get();
  renderers_.push_back([family](std::string& out) {
    header(out, family->name(), family->help(), "counter");
    family->for_each([&](const std::vector<std::string>& values, const Counter& c) {
      out += family->name() + label_set(family->label_names(), values) + " " + std::to_string(c.value()) + "\n";
    });
  });
  return *family;
}

Family<Gauge>& Registry::gauge(std::string name, std::string help, std::vector<std::string> label_names) {
  std::lock_guard lock(mu_);
  auto* family =
      gauges_.emplace_back(std::make_unique<Family<Gauge>>(std::move(name), std::move(help), std::move(label_names)))
          .get();
  renderers_.push_back([family](std::string& out) {
    header(out, family->name(), family->help(), "gauge");
    family->for_each([&](const std::vector<std::string>& values, const Gauge& g) {
      out += family->name() + label_set(family->label_names(), values) + " " + std::to_string(g.value()) + "\n";
    });
  });
  return *family;
}

Family<Histogram>& Registry::histogram(std::string name, std::string help, std::vector<std::string> label_names,
                                       std::vector<double> bounds) {
  std::lock_guard lock(mu_);
  auto* family = histograms_.emplace_back(std::make_unique<Family<Histogram>>(std::move(name), std::move(help),
                                                                              std::move(label_names), bounds))
                     .get();
  renderers_.push_back([family](std::string& out) {
    header(out, family->name(), family->help(), "histogram");
    family->for_each([&](const std::vector<std::string>& values, const Histogram& h) {
      const Histogram::Snapshot s = h.snapshot();
      const auto& names = family->label_names();
      for (size_t i = 0; i < h.bounds().size(); ++i) {
        out += family->name() + "_bucket" + label_set(names, values, "le=\"" + format_number(h.bounds()[i]) + "\"") +
               " " + std::to_string(s.cumulative[i]) + "\n";
      }
      out += family->name() + "_bucket" + label_set(names, values, "le=\"+Inf\"") + " " +
             std::to_string(s.cumulative.back()) + "\n";
      out += family->name() + "_sum" + label_set(names, values) + " " + format_number(s.sum) + "\n";
      out += family->name() + "_count" + label_set(names, values) + " " + std::to_string(s.cumulative.back()) + "\n";
    });
  });
  return *family;
}

void Registry::gauge_callback(std::string name, std::string help, std::vector<std::string> label_names,
                              std::function<std::vector<Sample>()> read) {
  std::lock_guard lock(mu_);
  auto* callback = callbacks_.emplace_back(std::make_unique<Callback>(
      Callback{std::move(name), std::move(help), std::move(label_names), std::move(read)})).get();
  renderers_.push_back([callback](std::string& out) {
    header(out, callback->name, callback->help, "gauge");
    for (const Sample& sample : callback->read()) {
      out += callback->name + label_set(callback->label_names, sample.label_values) + " " +
             format_number(sample.value) + "\n";
    }
  });
}

std::string Registry::text() const {
  std::vector<std::function<void(std::string&)>> renderers;
  {
    std::lock_guard lock(mu_);
    renderers = renderers_;  // copies of small closures; rendering runs without mu_
  }
  std::string out;
  for (const auto& render : renderers) render(out);
  return out;
}

}  // namespace stead::prometheus
