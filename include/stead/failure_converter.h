// Failure conversion: C++ exceptions <-> temporal.api.failure.v1.Failure.
//
// Encoding (to_failure), for the exception in flight:
//   - a FailureError decoded from a Failure (original_failure() set): that Failure, verbatim;
//   - ApplicationError: application_failure_info{type, non_retryable, details,
//     next_retry_delay, category}; an empty type becomes the C++ class name of a subclass
//     (e.g. "shop::CardDeclined"), "" for ApplicationError itself;
//   - ActivityError, ChildWorkflowError, TimeoutError, CanceledError, TerminatedError,
//     ServerError: their own failure info; a plain FailureError: application_failure_info
//     with an empty type;
//   - any other std::exception: application_failure_info with type = its C++ class name
//     ("std::invalid_argument"), message = what();
//   - anything else (`throw 42;`): type "unknown", message "unknown exception".
//   message = the error's message, source = "SteadCppSDK", stack_trace = the error's
//   stack_trace() (C++ exceptions carry none). The cause chain follows FailureError::cause();
//   for other exceptions, std::nested_exception (std::throw_with_nested) supplies the cause.
//
// Decoding (from_failure): every failure_info kind becomes the matching FailureError
// subclass, with message, stack_trace, cause chain and original_failure() set; unknown kinds
// become a plain FailureError. When the failure has `encoded_attributes` (a json/plain
// payload {"message", "stack_trace"}, sent by SDKs that encode common attributes), its
// message and stack trace replace the placeholders.
//
// Payloads inside failures are converted here without codecs; DataConverter applies codecs
// to a whole Failure (encode_failure / decode_failure).
//
// Thread safety: both methods are const and may be called concurrently.
#pragma once

#include <exception>
#include <memory>

#include "stead/errors.h"

namespace stead {

using Failure = temporal::api::failure::v1::Failure;

class FailureConverter {
 public:
  virtual ~FailureConverter() = default;
  // REQUIRES: error != nullptr.
  virtual Failure to_failure(std::exception_ptr error) const = 0;
  // Never returns null.
  virtual std::shared_ptr<const FailureError> from_failure(const Failure& failure) const = 0;
};

struct DefaultFailureConverterOptions {
  // Move message and stack trace into encoded_attributes (so a codec can encrypt them) and
  // send "Encoded failure" as the message, like the other SDKs' encode_common_attributes.
  bool encode_common_attributes = false;
};

class DefaultFailureConverter : public FailureConverter {
 public:
  explicit DefaultFailureConverter(DefaultFailureConverterOptions options = {}) : options_(options) {}
  Failure to_failure(std::exception_ptr error) const override;
  std::shared_ptr<const FailureError> from_failure(const Failure& failure) const override;

  // The `source` this SDK writes into failures.
  static constexpr const char* kSource = "SteadCppSDK";

 private:
  void encode(std::exception_ptr error, Failure* out, int depth) const;
  void encode_failure_error(const FailureError& error, Failure* out, int depth) const;
  std::shared_ptr<const FailureError> decode(const Failure& failure, int depth) const;

  DefaultFailureConverterOptions options_;
};

}  // namespace stead
