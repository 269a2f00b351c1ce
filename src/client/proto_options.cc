#include "client/proto_options.h"

#include <vector>

#include "common/time_util.h"

namespace stead::detail {

void set_retry_policy(const RetryPolicy& policy, temporal::api::common::v1::RetryPolicy* out) {
  *out->mutable_initial_interval() = to_proto_duration(policy.initial_interval);
  out->set_backoff_coefficient(policy.backoff_coefficient);
  if (policy.maximum_interval.count() > 0) *out->mutable_maximum_interval() = to_proto_duration(policy.maximum_interval);
  out->set_maximum_attempts(policy.maximum_attempts);
  for (const auto& type : policy.non_retryable_error_types) out->add_non_retryable_error_types(type);
}

RetryPolicy retry_policy_from(const temporal::api::common::v1::RetryPolicy& policy) {
  RetryPolicy out;
  out.initial_interval = from_proto(policy.initial_interval());
  out.backoff_coefficient = policy.backoff_coefficient();
  out.maximum_interval = from_proto(policy.maximum_interval());
  out.maximum_attempts = policy.maximum_attempts();
  out.non_retryable_error_types.assign(policy.non_retryable_error_types().begin(),
                                       policy.non_retryable_error_types().end());
  return out;
}

void set_memo(const DataConverter& converter, const std::map<std::string, Payload>& memo,
              temporal::api::common::v1::Memo* out) {
  if (memo.empty()) return;
  std::vector<std::string> keys;
  std::vector<Payload> values;
  for (const auto& [key, value] : memo) {
    keys.push_back(key);
    values.push_back(value);
  }
  values = converter.encode(std::move(values));
  auto* fields = out->mutable_fields();
  for (size_t i = 0; i < keys.size(); ++i) (*fields)[keys[i]] = std::move(values[i]);
}

void set_search_attributes(const SearchAttributes& attributes, temporal::api::common::v1::SearchAttributes* out) {
  auto* fields = out->mutable_indexed_fields();
  for (auto& [name, payload] : search_attribute_payloads(attributes)) (*fields)[name] = std::move(payload);
}

}  // namespace stead::detail
