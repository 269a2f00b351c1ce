// Status: the outcome of an internal operation, carried as a value (as in LevelDB).
// OK is cheap; an error holds a code (mirroring gRPC's codes, since every error ends up
// as a gRPC status) and a message for humans. Public SDK APIs turn these into exceptions.
#pragma once

#include <string>
#include <utility>

namespace stead {

enum class StatusCode {
  kOk = 0,
  kCancelled = 1,
  kUnknown = 2,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kPermissionDenied = 7,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kAborted = 10,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kUnavailable = 14,
  kDataLoss = 15,
  kUnauthenticated = 16,
};

class Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  static Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
  static Status FailedPrecondition(std::string m) { return {StatusCode::kFailedPrecondition, std::move(m)}; }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
  static Status Unimplemented(std::string m) { return {StatusCode::kUnimplemented, std::move(m)}; }
  static Status ResourceExhausted(std::string m) { return {StatusCode::kResourceExhausted, std::move(m)}; }
  static Status Cancelled(std::string m) { return {StatusCode::kCancelled, std::move(m)}; }
  static Status DeadlineExceeded(std::string m) { return {StatusCode::kDeadlineExceeded, std::move(m)}; }

  // Attaches a machine-readable detail: a serialized google.protobuf.Any holding e.g. a
  // temporal.api.errordetails.v1 message. gRPC clients receive it in grpc-status-details-bin.
  Status with_detail(std::string any_bytes) && {
    detail_ = std::move(any_bytes);
    return std::move(*this);
  }
  const std::string& detail() const { return detail_; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::string detail_;
};

// Returns early from the enclosing function with `expr`'s status when it is not OK.
#define STEAD_RETURN_IF_ERROR(expr)        \
  do {                                     \
    ::stead::Status _st = (expr);          \
    if (!_st.ok()) return _st;             \
  } while (0)

}  // namespace stead
