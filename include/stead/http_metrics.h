// stead::http::Metrics: Prometheus counters and histograms of one Api, served at /metrics in
// the text exposition format 0.0.4.
//
//   stead_http_requests_total{method,route,status}          counter
//   stead_http_request_duration_seconds{method,route}        histogram
//   stead_http_workflow_starts_total{workflow_type}          counter
//   stead_http_errors_total{route,status}                    counter (responses >= 400)
//   stead_http_requests_in_flight                            gauge
//
// `route` is the matched pattern ("/workflows/{workflow_id}"), never the raw path, so the
// number of series stays bounded; unmatched requests count under route "unmatched".
//
// Thread safety: every method may be called concurrently.
#pragma once

#include <memory>
#include <string>

namespace stead::http {

class Metrics {
 public:
  Metrics();
  ~Metrics();
  void observe_request(const std::string& method, const std::string& route, int status, double seconds);
  void count_workflow_start(const std::string& workflow_type);
  void add_in_flight(int delta);
  // The whole exposition, text/plain; version=0.0.4.
  std::string prometheus_text() const;

 private:
  struct Impl;  // the families, in Stead's Prometheus registry (src/common/prometheus.h)
  std::unique_ptr<Impl> impl_;
};

}  // namespace stead::http
