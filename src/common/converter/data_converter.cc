#include "stead/converter.h"

#include <functional>

namespace stead {

namespace {

using PayloadsFn = std::function<std::vector<Payload>(std::vector<Payload>)>;

void transform(temporal::api::common::v1::Payloads* payloads, const PayloadsFn& fn) {
  if (payloads->payloads().empty()) return;
  auto out = fn({payloads->payloads().begin(), payloads->payloads().end()});
  payloads->clear_payloads();
  for (auto& p : out) *payloads->add_payloads() = std::move(p);
}

void transform_failure(Failure* failure, const PayloadsFn& fn) {
  for (int depth = 0; failure && depth < 64; ++depth) {
    if (failure->has_encoded_attributes()) *failure->mutable_encoded_attributes() = fn({failure->encoded_attributes()}).front();
    switch (failure->failure_info_case()) {
      case Failure::kApplicationFailureInfo:
        transform(failure->mutable_application_failure_info()->mutable_details(), fn);
        break;
      case Failure::kTimeoutFailureInfo:
        transform(failure->mutable_timeout_failure_info()->mutable_last_heartbeat_details(), fn);
        break;
      case Failure::kCanceledFailureInfo:
        transform(failure->mutable_canceled_failure_info()->mutable_details(), fn);
        break;
      case Failure::kResetWorkflowFailureInfo:
        transform(failure->mutable_reset_workflow_failure_info()->mutable_last_heartbeat_details(), fn);
        break;
      default:
        break;
    }
    failure = failure->has_cause() ? failure->mutable_cause() : nullptr;
  }
}

}  // namespace

std::shared_ptr<const FailureConverter> default_failure_converter() {
  static const auto instance = std::make_shared<const DefaultFailureConverter>();
  return instance;
}

std::vector<Payload> DataConverter::encode(std::vector<Payload> payloads) const {
  for (const auto& codec : codecs) payloads = codec->encode(std::move(payloads));
  return payloads;
}

std::vector<Payload> DataConverter::decode(std::vector<Payload> payloads) const {
  for (auto it = codecs.rbegin(); it != codecs.rend(); ++it) payloads = (*it)->decode(std::move(payloads));
  return payloads;
}

void DataConverter::encode_failure(Failure* failure) const {
  if (codecs.empty()) return;
  transform_failure(failure, [this](std::vector<Payload> p) { return encode(std::move(p)); });
}

void DataConverter::decode_failure(Failure* failure) const {
  if (codecs.empty()) return;
  transform_failure(failure, [this](std::vector<Payload> p) { return decode(std::move(p)); });
}

Failure DataConverter::to_failure(std::exception_ptr error) const {
  Failure failure = failures().to_failure(std::move(error));
  encode_failure(&failure);
  return failure;
}

std::shared_ptr<const FailureError> DataConverter::from_failure(const Failure& failure) const {
  if (codecs.empty()) return failures().from_failure(failure);
  Failure decoded = failure;
  decode_failure(&decoded);
  return failures().from_failure(decoded);
}

}  // namespace stead
