// Option fields the client and the worker both put into requests and commands: retry
// policies, memos and search attributes, from the SDK's C++ types to Temporal's protos.
#pragma once

#include <map>
#include <string>

#include "stead/converter.h"
#include "stead/retry_policy.h"
#include "stead/search_attributes.h"
#include "temporal/api/common/v1/message.pb.h"

namespace stead::detail {

void set_retry_policy(const RetryPolicy& policy, temporal::api::common::v1::RetryPolicy* out);
RetryPolicy retry_policy_from(const temporal::api::common::v1::RetryPolicy& policy);
// Memo values go through the codecs (search attributes never do: the server reads them).
void set_memo(const DataConverter& converter, const std::map<std::string, Payload>& memo,
              temporal::api::common::v1::Memo* out);
void set_search_attributes(const SearchAttributes& attributes, temporal::api::common::v1::SearchAttributes* out);

}  // namespace stead::detail
