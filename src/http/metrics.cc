#include "stead/http_metrics.h"

#include <cstdio>
#include <sstream>

namespace stead::http {

namespace {

// Seconds; Prometheus client libraries' default buckets.
constexpr double kBuckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
constexpr std::size_t kBucketCount = sizeof(kBuckets) / sizeof(kBuckets[0]);

// Label values escape backslash, double quote and newline (exposition format).
std::string esc(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

void Metrics::observe_request(const std::string& method, const std::string& route, int status, double seconds) {
  std::lock_guard lock(mu_);
  ++requests_[{method, route, status}];
  auto& h = durations_[{method, route}];
  if (h.bucket_counts.empty()) h.bucket_counts.assign(kBucketCount, 0);
  for (std::size_t i = 0; i < kBucketCount; ++i)
    if (seconds <= kBuckets[i]) {
      h.bucket_counts[i] += 1;
      break;
    }
  h.sum += seconds;
  ++h.count;
  if (status >= 400) ++errors_[{route, status}];
}

void Metrics::count_workflow_start(const std::string& workflow_type) {
  std::lock_guard lock(mu_);
  ++workflow_starts_[workflow_type];
}

void Metrics::add_in_flight(int delta) {
  std::lock_guard lock(mu_);
  in_flight_ += delta;
}

std::string Metrics::prometheus_text() const {
  std::lock_guard lock(mu_);
  std::ostringstream o;
  o << "# HELP stead_http_requests_total HTTP requests answered.\n# TYPE stead_http_requests_total counter\n";
  for (const auto& [k, v] : requests_)
    o << "stead_http_requests_total{method=\"" << esc(std::get<0>(k)) << "\",route=\"" << esc(std::get<1>(k))
      << "\",status=\"" << std::get<2>(k) << "\"} " << v << "\n";
  o << "# HELP stead_http_request_duration_seconds Time to answer HTTP requests.\n"
       "# TYPE stead_http_request_duration_seconds histogram\n";
  for (const auto& [k, h] : durations_) {
    std::string labels = "method=\"" + esc(k.first) + "\",route=\"" + esc(k.second) + "\"";
    double cumulative = 0;
    for (std::size_t i = 0; i < kBucketCount; ++i) {
      cumulative += h.bucket_counts[i];
      o << "stead_http_request_duration_seconds_bucket{" << labels << ",le=\"" << num(kBuckets[i]) << "\"} "
        << num(cumulative) << "\n";
    }
    o << "stead_http_request_duration_seconds_bucket{" << labels << ",le=\"+Inf\"} " << h.count << "\n";
    o << "stead_http_request_duration_seconds_sum{" << labels << "} " << num(h.sum) << "\n";
    o << "stead_http_request_duration_seconds_count{" << labels << "} " << h.count << "\n";
  }
  o << "# HELP stead_http_workflow_starts_total Workflows started through the HTTP API.\n"
       "# TYPE stead_http_workflow_starts_total counter\n";
  for (const auto& [type, v] : workflow_starts_)
    o << "stead_http_workflow_starts_total{workflow_type=\"" << esc(type) << "\"} " << v << "\n";
  o << "# HELP stead_http_errors_total HTTP responses with status 400 or above.\n"
       "# TYPE stead_http_errors_total counter\n";
  for (const auto& [k, v] : errors_)
    o << "stead_http_errors_total{route=\"" << esc(k.first) << "\",status=\"" << k.second << "\"} " << v << "\n";
  o << "# HELP stead_http_requests_in_flight HTTP requests being answered.\n"
       "# TYPE stead_http_requests_in_flight gauge\n"
    << "stead_http_requests_in_flight " << in_flight_ << "\n";
  return o.str();
}

}  // namespace stead::http
