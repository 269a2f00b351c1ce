#include "server/frontend/long_poll_limiter.h"

#include "common/error_details.h"
#include "temporal/api/errordetails/v1/message.pb.h"

namespace stead::server::frontend {

namespace enums = temporal::api::enums::v1;

Status LongPollLimiter::acquire(const std::string& ns, const std::string& method, std::shared_ptr<void>* slot) {
  std::string key = ns + "/" + method;
  {
    std::lock_guard lock(counts_->mu);
    auto [it, inserted] = counts_->in_use.try_emplace(key, 0);
    if (it->second >= limit_) {
      if (inserted) counts_->in_use.erase(it);
      temporal::api::errordetails::v1::ResourceExhaustedFailure detail;
      detail.set_cause(enums::RESOURCE_EXHAUSTED_CAUSE_CONCURRENT_LIMIT);
      detail.set_scope(enums::RESOURCE_EXHAUSTED_SCOPE_NAMESPACE);
      return with_detail(Status::ResourceExhausted("namespace concurrent poller limit exceeded"), detail);
    }
    ++it->second;
  }
  // The handle owns nothing; its deleter gives the slot back.
  *slot = std::shared_ptr<void>(counts_.get(), [counts = counts_, key](void*) {
    std::lock_guard lock(counts->mu);
    auto it = counts->in_use.find(key);
    if (it != counts->in_use.end() && --it->second <= 0) counts->in_use.erase(it);
  });
  return Status::Ok();
}

int LongPollLimiter::in_use(const std::string& ns, const std::string& method) const {
  std::lock_guard lock(counts_->mu);
  auto it = counts_->in_use.find(ns + "/" + method);
  return it == counts_->in_use.end() ? 0 : it->second;
}

std::vector<LongPollLimiter::Usage> LongPollLimiter::usage() const {
  std::vector<Usage> out;
  std::lock_guard lock(counts_->mu);
  for (const auto& [key, n] : counts_->in_use) {
    const size_t slash = key.rfind('/');  // method names have no '/'
    out.push_back({key.substr(0, slash), key.substr(slash + 1), n});
  }
  return out;
}

}  // namespace stead::server::frontend
