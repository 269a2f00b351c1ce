// Failure conversion: C++ exceptions <-> temporal.api.failure.v1.Failure, including failures
// produced by the official Python SDK (temporalio DefaultFailureConverter).
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "stead/converter.h"

namespace shop {
// A user error type: its C++ name becomes the failure type.
class CardDeclined : public stead::ApplicationError {
 public:
  CardDeclined() : stead::ApplicationError("card declined", {.non_retryable = true}) {}
};
}  // namespace shop

namespace stead {
namespace {

namespace enums = temporal::api::enums::v1;

std::string unhex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

template <class E>
Failure failure_of(const E& error) {
  return DefaultFailureConverter().to_failure(std::make_exception_ptr(error));
}

// Python:
//   try: raise ValueError("inner problem")
//   except ValueError as e:
//     raise ApplicationError("card declined", {"card": "1234"}, type="CardDeclined", non_retryable=True) from e
// through DefaultFailureConverter().to_failure (stack traces cleared).
constexpr const char* kPythonFailure =
    "0a0d63617264206465636c696e6564221d0a0d696e6e65722070726f626c656d2a0c0a0a56616c75654572726f722a3d0a0c4361726444"
    "65636c696e656410011a2b0a290a160a08656e636f64696e67120a6a736f6e2f706c61696e120f7b2263617264223a2231323334227d";

TEST(FailureConverter, DecodesAPythonApplicationErrorWithItsCause) {
  Failure failure;
  ASSERT_TRUE(failure.ParseFromString(unhex(kPythonFailure)));
  auto error = DefaultFailureConverter().from_failure(failure);
  const auto* app = dynamic_cast<const ApplicationError*>(error.get());
  ASSERT_NE(app, nullptr);
  EXPECT_EQ(app->message(), "card declined");
  EXPECT_STREQ(app->what(), "card declined");
  EXPECT_EQ(app->type(), "CardDeclined");
  EXPECT_TRUE(app->non_retryable());
  ASSERT_EQ(app->details().size(), 1u);
  EXPECT_EQ(from_payload<nlohmann::json>(app->details()[0]), (nlohmann::json{{"card", "1234"}}));
  const auto* cause = app->cause_as<ApplicationError>();
  ASSERT_NE(cause, nullptr);
  EXPECT_EQ(cause->message(), "inner problem");
  EXPECT_EQ(cause->type(), "ValueError");
  EXPECT_EQ(cause->cause(), nullptr);
}

TEST(FailureConverter, EncodesApplicationErrorsLikeTheOtherSdks) {
  auto inner = std::make_shared<ApplicationError>("inner problem", ApplicationErrorInfo{.type = "ValueError"});
  ApplicationError error("card declined",
                         {.type = "CardDeclined",
                          .non_retryable = true,
                          .details = to_payloads(nlohmann::json{{"card", "1234"}}),
                          .next_retry_delay = std::chrono::milliseconds(1500)},
                         inner);
  Failure f = failure_of(error);
  EXPECT_EQ(f.message(), "card declined");
  EXPECT_EQ(f.source(), "SteadCppSDK");
  ASSERT_TRUE(f.has_application_failure_info());
  EXPECT_EQ(f.application_failure_info().type(), "CardDeclined");
  EXPECT_TRUE(f.application_failure_info().non_retryable());
  EXPECT_EQ(f.application_failure_info().details().payloads(0).data(), R"({"card":"1234"})");
  EXPECT_EQ(f.application_failure_info().next_retry_delay().seconds(), 1);
  EXPECT_EQ(f.application_failure_info().next_retry_delay().nanos(), 500'000'000);
  EXPECT_EQ(f.cause().message(), "inner problem");
  EXPECT_EQ(f.cause().application_failure_info().type(), "ValueError");

  // The same fields (minus source) as the Python SDK's encoding of the same error.
  Failure python;
  ASSERT_TRUE(python.ParseFromString(unhex(kPythonFailure)));
  Failure ours = f;
  ours.clear_source();
  ours.mutable_cause()->clear_source();
  ours.mutable_application_failure_info()->clear_next_retry_delay();
  EXPECT_EQ(ours.SerializeAsString(), python.SerializeAsString());
}

TEST(FailureConverter, SubclassNameIsTheTypeWhenNoneIsGiven) {
  Failure f = failure_of(shop::CardDeclined());
  EXPECT_EQ(f.application_failure_info().type(), "shop::CardDeclined");
  EXPECT_TRUE(f.application_failure_info().non_retryable());
  EXPECT_EQ(failure_of(ApplicationError("plain")).application_failure_info().type(), "");
}

TEST(FailureConverter, StandardExceptionsBecomeApplicationErrorsNamedByClass) {
  Failure f = failure_of(std::invalid_argument("bad quantity"));
  EXPECT_EQ(f.message(), "bad quantity");
  EXPECT_EQ(f.application_failure_info().type(), "std::invalid_argument");
  EXPECT_FALSE(f.application_failure_info().non_retryable());

  Failure unknown = DefaultFailureConverter().to_failure(std::make_exception_ptr(42));
  EXPECT_EQ(unknown.application_failure_info().type(), "unknown");
}

TEST(FailureConverter, NestedExceptionsBecomeTheCauseChain) {
  std::exception_ptr error;
  try {
    try {
      throw std::out_of_range("index 7");
    } catch (...) {
      std::throw_with_nested(std::runtime_error("lookup failed"));
    }
  } catch (...) {
    error = std::current_exception();
  }
  Failure f = DefaultFailureConverter().to_failure(error);
  EXPECT_EQ(f.message(), "lookup failed");
  EXPECT_EQ(f.application_failure_info().type(), "std::runtime_error");
  EXPECT_EQ(f.cause().message(), "index 7");
  EXPECT_EQ(f.cause().application_failure_info().type(), "std::out_of_range");
}

TEST(FailureConverter, EveryFailureKindDecodesToItsClass) {
  DefaultFailureConverter fc;
  Failure activity;
  activity.set_message("Activity task failed");
  auto* ai = activity.mutable_activity_failure_info();
  ai->set_scheduled_event_id(5);
  ai->set_started_event_id(6);
  ai->set_identity("worker-1");
  ai->mutable_activity_type()->set_name("charge_card");
  ai->set_activity_id("1");
  ai->set_retry_state(enums::RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED);
  auto* timeout = activity.mutable_cause();
  timeout->set_message("activity StartToClose timeout");
  timeout->mutable_timeout_failure_info()->set_timeout_type(enums::TIMEOUT_TYPE_START_TO_CLOSE);
  *timeout->mutable_timeout_failure_info()->mutable_last_heartbeat_details()->add_payloads() = to_payload(3);

  auto error = fc.from_failure(activity);
  const auto* act = dynamic_cast<const ActivityError*>(error.get());
  ASSERT_NE(act, nullptr);
  EXPECT_EQ(act->activity_type(), "charge_card");
  EXPECT_EQ(act->activity_id(), "1");
  EXPECT_EQ(act->scheduled_event_id(), 5);
  EXPECT_EQ(act->started_event_id(), 6);
  EXPECT_EQ(act->identity(), "worker-1");
  EXPECT_EQ(act->retry_state(), RetryState::kMaximumAttemptsReached);
  const auto* to = act->cause_as<TimeoutError>();
  ASSERT_NE(to, nullptr);
  EXPECT_EQ(to->timeout_type(), TimeoutType::kStartToClose);
  EXPECT_EQ(from_payload<int>(to->last_heartbeat_details().at(0)), 3);

  Failure child;
  auto* ci = child.mutable_child_workflow_execution_failure_info();
  ci->set_namespace_("default");
  ci->mutable_workflow_execution()->set_workflow_id("child-1");
  ci->mutable_workflow_execution()->set_run_id("r1");
  ci->mutable_workflow_type()->set_name("Child");
  ci->set_retry_state(enums::RETRY_STATE_NON_RETRYABLE_FAILURE);
  auto child_error = fc.from_failure(child);
  const auto* cw = dynamic_cast<const ChildWorkflowError*>(child_error.get());
  ASSERT_NE(cw, nullptr);
  EXPECT_EQ(cw->workflow_id(), "child-1");
  EXPECT_EQ(cw->run_id(), "r1");
  EXPECT_EQ(cw->workflow_type(), "Child");
  EXPECT_EQ(cw->namespace_(), "default");
  EXPECT_EQ(cw->retry_state(), RetryState::kNonRetryableFailure);

  Failure canceled;
  canceled.set_message("canceled");
  *canceled.mutable_canceled_failure_info()->mutable_details()->add_payloads() = to_payload("why");
  auto canceled_error = fc.from_failure(canceled);
  const auto* ce = dynamic_cast<const CanceledError*>(canceled_error.get());
  ASSERT_NE(ce, nullptr);
  EXPECT_EQ(from_payload<std::string>(ce->details().at(0)), "why");

  Failure terminated;
  terminated.mutable_terminated_failure_info()->set_identity("ops");
  auto terminated_error = fc.from_failure(terminated);
  const auto* te = dynamic_cast<const TerminatedError*>(terminated_error.get());
  ASSERT_NE(te, nullptr);
  EXPECT_EQ(te->identity(), "ops");

  Failure server;
  server.mutable_server_failure_info()->set_non_retryable(true);
  auto server_error = fc.from_failure(server);
  const auto* se = dynamic_cast<const ServerError*>(server_error.get());
  ASSERT_NE(se, nullptr);
  EXPECT_TRUE(se->non_retryable());

  Failure nexus;
  nexus.set_message("nexus op failed");
  nexus.mutable_nexus_operation_execution_failure_info()->set_operation("op");
  auto plain = fc.from_failure(nexus);
  EXPECT_EQ(typeid(*plain), typeid(FailureError));
  EXPECT_EQ(plain->message(), "nexus op failed");
}

TEST(FailureConverter, DecodedFailuresReencodeVerbatim) {
  Failure failure;
  ASSERT_TRUE(failure.ParseFromString(unhex(kPythonFailure)));
  failure.set_stack_trace("  File \"wf.py\", line 3");
  auto error = DefaultFailureConverter().from_failure(failure);
  EXPECT_EQ(error->stack_trace(), "  File \"wf.py\", line 3");
  ASSERT_NE(error->original_failure(), nullptr);
  // Rethrown by user code (through rethrow(), keeping the dynamic type) and encoded again.
  std::exception_ptr rethrown;
  try {
    error->rethrow();
  } catch (const ApplicationError&) {
    rethrown = std::current_exception();
  }
  ASSERT_NE(rethrown, nullptr);
  EXPECT_EQ(DefaultFailureConverter().to_failure(rethrown).SerializeAsString(), failure.SerializeAsString());
}

TEST(FailureConverter, EncodedCommonAttributes) {
  // Python: DefaultFailureConverter(encode_common_attributes=True) on ApplicationError("secret msg", type="T").
  Failure python;
  python.set_message("Encoded failure");
  python.mutable_application_failure_info()->set_type("T");
  (*python.mutable_encoded_attributes()->mutable_metadata())["encoding"] = "json/plain";
  python.mutable_encoded_attributes()->set_data(R"({"message":"secret msg","stack_trace":""})");
  auto error = DefaultFailureConverter().from_failure(python);
  EXPECT_EQ(error->message(), "secret msg");

  DefaultFailureConverter encoding({.encode_common_attributes = true});
  Failure ours = encoding.to_failure(std::make_exception_ptr(ApplicationError("secret msg", {.type = "T"})));
  EXPECT_EQ(ours.message(), "Encoded failure");
  EXPECT_EQ(ours.encoded_attributes().data(), python.encoded_attributes().data());
}

TEST(DataConverter, CodecsApplyToThePayloadsInsideFailures) {
  DataConverter dc{.codecs = {std::make_shared<ZlibCodec>(ZlibCodecOptions{.always_encode = true})}};
  ApplicationError error("failed", {.type = "X", .details = to_payloads(std::string("detail"))},
                         std::make_shared<CanceledError>("stop", CanceledErrorInfo{.details = to_payloads(7)}));
  Failure wire = dc.to_failure(std::make_exception_ptr(error));
  EXPECT_EQ(encoding_of(wire.application_failure_info().details().payloads(0)), "binary/zlib");
  EXPECT_EQ(encoding_of(wire.cause().canceled_failure_info().details().payloads(0)), "binary/zlib");
  auto back = dc.from_failure(wire);
  const auto* app = dynamic_cast<const ApplicationError*>(back.get());
  ASSERT_NE(app, nullptr);
  EXPECT_EQ(from_payload<std::string>(app->details().at(0)), "detail");
  EXPECT_EQ(from_payload<int>(app->cause_as<CanceledError>()->details().at(0)), 7);
}

TEST(Errors, WorkflowFailureErrorNamesItsCause) {
  WorkflowFailureError error("Workflow execution failed", std::make_shared<ApplicationError>("card declined"));
  EXPECT_STREQ(error.what(), "Workflow execution failed: card declined");
  EXPECT_NE(error.cause_as<ApplicationError>(), nullptr);
  EXPECT_EQ(error.cause_as<TimeoutError>(), nullptr);
  RPCError rpc(RpcCode::kUnavailable, "connection refused");
  EXPECT_STREQ(rpc.what(), "UNAVAILABLE: connection refused");
}

}  // namespace
}  // namespace stead
