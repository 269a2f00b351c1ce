// Every status leaves the server small enough for gRPC's metadata limit, whatever it echoes.
#include <google/protobuf/any.pb.h>
#include <gtest/gtest.h>

#include "common/error_details.h"
#include "google/rpc/status.pb.h"
#include "server/frontend/long_poll_limiter.h"
#include "server/frontend/rpc_router.h"
#include "temporal/api/errordetails/v1/message.pb.h"

namespace stead::server::frontend {
namespace {

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

TEST(GrpcStatus, ShortMessagesAndDetailsPassUnchanged) {
  temporal::api::errordetails::v1::NotFoundFailure detail;
  detail.set_current_cluster("active");
  grpc::Status s = to_grpc_status(with_detail(Status::NotFound("workflow not found"), detail));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(s.error_message(), "workflow not found");
  google::rpc::Status rich;
  ASSERT_TRUE(rich.ParseFromString(s.error_details()));
  EXPECT_EQ(rich.details_size(), 1);
}

TEST(GrpcStatus, LongMessagesAreTruncatedWithAVisibleMarker) {
  std::string id(20'000, 'x');
  grpc::Status s = to_grpc_status(Status::NotFound("workflow not found: " + id));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_LE(s.error_message().size(), kMaxStatusMessageBytes);
  EXPECT_TRUE(s.error_message().rfind("workflow not found: xxx", 0) == 0);
  EXPECT_TRUE(ends_with(s.error_message(), kTruncatedMarker)) << s.error_message().substr(2000);
}

TEST(GrpcStatus, TruncationNeverSplitsAUtf8Character) {
  std::string message;
  while (message.size() < 10'000) message += "\xC3\xA9";  // é
  std::string cut = truncate_status_message("x" + message);  // odd offset: a cut lands mid-character
  std::string body = cut.substr(0, cut.size() - kTruncatedMarker.size());
  EXPECT_EQ((body.size() - 1) % 2, 0u);
  EXPECT_NE(static_cast<unsigned char>(body.back()), 0xC3);
}

TEST(GrpcStatus, DetailsThatWouldOverflowTheHeadersAreDropped) {
  temporal::api::errordetails::v1::NamespaceNotFoundFailure detail;
  detail.set_namespace_(std::string(20'000, 'n'));
  grpc::Status s = to_grpc_status(with_detail(Status::NotFound("Namespace not found."), detail));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(s.error_message(), "Namespace not found.");
  EXPECT_TRUE(s.error_details().empty());
}

TEST(LongPollLimiter, RefusesTheCallBeyondTheLimitUntilASlotIsReturned) {
  LongPollLimiter limiter(2);
  std::shared_ptr<void> a, b, c;
  ASSERT_TRUE(limiter.acquire("ns", "Poll", &a).ok());
  ASSERT_TRUE(limiter.acquire("ns", "Poll", &b).ok());
  Status refused = limiter.acquire("ns", "Poll", &c);
  EXPECT_EQ(refused.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(refused.message(), "namespace concurrent poller limit exceeded");
  EXPECT_FALSE(refused.detail().empty());
  EXPECT_TRUE(limiter.acquire("other-ns", "Poll", &c).ok());  // per namespace
  std::shared_ptr<void> d;
  EXPECT_TRUE(limiter.acquire("ns", "OtherPoll", &d).ok());  // and per method
  a.reset();
  EXPECT_EQ(limiter.in_use("ns", "Poll"), 1);
  EXPECT_TRUE(limiter.acquire("ns", "Poll", &a).ok());
}

}  // namespace
}  // namespace stead::server::frontend
