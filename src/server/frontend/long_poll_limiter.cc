#include "server/frontend/long_poll_limiter.h"

#include "common/error_details.h"
#include "temporal/api/errordetails/v1/message.pb.h"

namespace stead::server::frontend {

namespace enums = temporal::api::enums::v1;

Status LongPollLimiter::acquire(const std::string& ns, const std::string& method, std::shared_ptr<void>* slot) {
  std::string key = ns + "/" + method;
  {
    std::lock_guard lock(mu_);
    int& n = in_use_[key];
    if (n >= limit_) {
      if (n == 0) in_use_.erase(key);
      temporal::api::errordetails::v1::ResourceExhaustedFailure detail;
      detail.set_cause(enums::RESOURCE_EXHAUSTED_CAUSE_CONCURRENT_LIMIT);
      detail.set_scope(enums::RESOURCE_EXHAUSTED_SCOPE_NAMESPACE);
      return with_detail(Status::ResourceExhausted("namespace concurrent poller limit exceeded"), detail);
    }
    ++n;
  }
  // The handle owns nothing; its deleter gives the slot back.
  *slot = std::shared_ptr<void>(static_cast<void*>(this), [this, key](void*) { release(key); });
  return Status::Ok();
}

void LongPollLimiter::release(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = in_use_.find(key);
  if (it != in_use_.end() && --it->second <= 0) in_use_.erase(it);
}

int LongPollLimiter::in_use(const std::string& ns, const std::string& method) const {
  std::lock_guard lock(mu_);
  auto it = in_use_.find(ns + "/" + method);
  return it == in_use_.end() ? 0 : it->second;
}

}  // namespace stead::server::frontend
