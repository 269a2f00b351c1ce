#include "stead/http_metrics.h"

#include "common/prometheus.h"

namespace stead::http {

struct Metrics::Impl {
  prometheus::Registry registry;
  prometheus::Family<prometheus::Counter>& requests =
      registry.counter("stead_http_requests_total", "HTTP requests answered.", {"method", "route", "status"});
  prometheus::Family<prometheus::Histogram>& durations =
      registry.histogram("stead_http_request_duration_seconds", "Time to answer HTTP requests.", {"method", "route"},
                         prometheus::default_seconds_buckets());
  prometheus::Family<prometheus::Counter>& workflow_starts = registry.counter(
      "stead_http_workflow_starts_total", "Workflows started through the HTTP API.", {"workflow_type"});
  prometheus::Family<prometheus::Counter>& errors =
      registry.counter("stead_http_errors_total", "HTTP responses with status 400 or above.", {"route", "status"});
  prometheus::Gauge& in_flight =
      registry.gauge("stead_http_requests_in_flight", "HTTP requests being answered.").with({});
};

Metrics::Metrics() : impl_(std::make_unique<Impl>()) {}
Metrics::~Metrics() = default;

void Metrics::observe_request(const std::string& method, const std::string& route, int status, double seconds) {
  const std::string code = std::to_string(status);
  impl_->requests.with({method, route, code}).inc();
  impl_->durations.with({method, route}).observe(seconds);
  if (status >= 400) impl_->errors.with({route, code}).inc();
}

void Metrics::count_workflow_start(const std::string& workflow_type) {
  impl_->workflow_starts.with({workflow_type}).inc();
}

void Metrics::add_in_flight(int delta) { impl_->in_flight.add(delta); }

std::string Metrics::prometheus_text() const { return impl_->registry.text(); }

}  // namespace stead::http
