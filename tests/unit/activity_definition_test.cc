// Activities invoked directly (no worker, no server): the accepted callable shapes, argument
// and result conversion, conversion errors, the thread-local context and the registry.
#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "stead/activity.h"
#include "stead/async.h"
#include "stead/sync_wait.h"
#include "stead/task.h"

namespace acttest {
struct Order {
  std::string id{};
  int qty = 0;
  bool operator==(const Order&) const = default;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Order, id, qty)

std::string greet(std::string who) { return "Hello, " + who + "!"; }
int add(int a, int b) noexcept { return a + b; }
Order with_context(stead::ActivityContext& ctx, const Order& order) {
  return Order{.id = order.id + "@" + ctx.info().activity_id, .qty = order.qty * ctx.info().attempt};
}
stead::Task<std::string> coro_upper(stead::ActivityContext& ctx, std::string s) {
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  co_return s + "#" + std::to_string(ctx.info().attempt);
}

struct Shipping {
  std::string prefix;
  std::string ship(const Order& order) const { return prefix + order.id; }
  int bump(int n) { return n + 1; }
  stead::Task<int> twice(int n) { co_return n * 2; }
};
}  // namespace acttest

namespace stead {
namespace {

using acttest::Order;

class ActivityDefinitionTest : public ::testing::Test {
 protected:
  ActivityDefinitionTest() {
    info_.activity_id = "act-1";
    info_.activity_type = "T";
    info_.attempt = 3;
  }

  // Runs `name` from the registry with `input`; returns the result payload or throws.
  Payload run(const std::string& name, std::vector<Payload> input) {
    auto def = registry_.find(name);
    if (!def) throw std::runtime_error("not registered: " + name);
    ActivityContext ctx(info_, converter_, std::make_shared<ActivityCancellation>());
    auto task = def->invoke(ctx, std::move(input));
    return sync_wait(std::move(task));
  }

  ApplicationError run_failing(const std::string& name, std::vector<Payload> input) {
    try {
      run(name, std::move(input));
    } catch (const ApplicationError& e) {
      return e;
    }
    ADD_FAILURE() << "expected an ApplicationError from " << name;
    return ApplicationError("none");
  }

  ActivityInfo info_;
  DataConverter converter_;
  ActivityRegistry registry_;
};

TEST_F(ActivityDefinitionTest, PlainFunctionsLambdasAndStdFunction) {
  registry_.add("Greet", acttest::greet)
      .add("Add", &acttest::add)
      .add("Lambda", [](const std::string& a, int n) { return a + std::to_string(n); })
      .add("Function", std::function<Order(Order)>([](Order o) {
             o.qty += 1;
             return o;
           }))
      .add("Mutable", [count = 0](int n) mutable { return count += n; });
  EXPECT_EQ(from_payload<std::string>(run("Greet", to_payloads("Ana"))), "Hello, Ana!");
  EXPECT_EQ(from_payload<int>(run("Add", to_payloads(2, 40))), 42);
  EXPECT_EQ(from_payload<std::string>(run("Lambda", to_payloads("x", 7))), "x7");
  EXPECT_EQ(from_payload<Order>(run("Function", to_payloads(Order{.id = "o", .qty = 1}))), (Order{.id = "o", .qty = 2}));
  EXPECT_EQ(from_payload<int>(run("Mutable", to_payloads(5))), 5);
  EXPECT_EQ(from_payload<int>(run("Mutable", to_payloads(5))), 10);  // one callable object per definition
  EXPECT_FALSE(registry_.find("Greet")->is_coroutine());
}

TEST_F(ActivityDefinitionTest, ContextParameterAndMemberFunctions) {
  auto shipping = std::make_shared<acttest::Shipping>(acttest::Shipping{.prefix = "ship-"});
  acttest::Shipping local{.prefix = "p-"};
  registry_.add("WithContext", acttest::with_context)
      .add("Ship", &acttest::Shipping::ship, shipping)
      .add("Bump", &acttest::Shipping::bump, &local)
      .add("Twice", &acttest::Shipping::twice, &local);
  EXPECT_EQ(from_payload<Order>(run("WithContext", to_payloads(Order{.id = "o", .qty = 2}))),
            (Order{.id = "o@act-1", .qty = 6}));
  EXPECT_EQ(from_payload<std::string>(run("Ship", to_payloads(Order{.id = "o9"}))), "ship-o9");
  EXPECT_EQ(from_payload<int>(run("Bump", to_payloads(1))), 2);
  EXPECT_EQ(from_payload<int>(run("Twice", to_payloads(21))), 42);
  EXPECT_TRUE(registry_.find("Twice")->is_coroutine());
}

TEST_F(ActivityDefinitionTest, VoidResultsAreBinaryNull) {
  int calls = 0;
  registry_.add("Void", [&calls](int n) { calls += n; })
      .add("VoidCoro", [&calls]() -> Task<void> {
        ++calls;
        co_return;
      });
  EXPECT_EQ(encoding_of(run("Void", to_payloads(2))), encoding::kNull);
  EXPECT_EQ(encoding_of(run("VoidCoro", {})), encoding::kNull);
  EXPECT_EQ(calls, 3);
}

TEST_F(ActivityDefinitionTest, CoroutineThatResumesOnAnotherThread) {
  registry_.add("Upper", acttest::coro_upper).add("Later", [](ActivityContext& ctx, int n) -> Task<int> {
    auto start = [](Resumer<int> resume) {
      std::thread([resume] { resume(41); }).detach();
    };
    auto op = async_callback<int>(std::move(start));
    int v = co_await op;
    co_return v + n + static_cast<int>(ctx.info().attempt) - 3;
  });
  EXPECT_EQ(from_payload<std::string>(run("Upper", to_payloads("abc"))), "ABC#3");
  EXPECT_EQ(from_payload<int>(run("Later", to_payloads(1))), 42);
}

TEST_F(ActivityDefinitionTest, WrongArgumentCountFailsNonRetryably) {
  registry_.add("Add", &acttest::add);
  auto few = run_failing("Add", to_payloads(1));
  EXPECT_EQ(few.type(), kPayloadConversionErrorType);
  EXPECT_TRUE(few.non_retryable());
  EXPECT_EQ(few.message(), "activity Add takes 2 arguments, got 1");
  auto many = run_failing("Add", to_payloads(1, 2, 3));
  EXPECT_EQ(many.message(), "activity Add takes 2 arguments, got 3");
}

TEST_F(ActivityDefinitionTest, WrongArgumentTypeNamesTheArgument) {
  registry_.add("Add", &acttest::add);
  auto e = run_failing("Add", to_payloads(1, "two"));
  EXPECT_EQ(e.type(), kPayloadConversionErrorType);
  EXPECT_TRUE(e.non_retryable());
  EXPECT_NE(e.message().find("activity Add: cannot convert argument 2"), std::string::npos) << e.message();
}

TEST_F(ActivityDefinitionTest, TrailingOptionalArgumentsMayBeMissing) {
  registry_.add("Opt", [](int a, std::optional<std::string> b) { return std::to_string(a) + b.value_or("-"); });
  EXPECT_EQ(from_payload<std::string>(run("Opt", to_payloads(1))), "1-");
  EXPECT_EQ(from_payload<std::string>(run("Opt", to_payloads(1, "x"))), "1x");
  EXPECT_EQ(run_failing("Opt", {}).message(), "activity Opt takes 1 to 2 arguments, got 0");
}

TEST_F(ActivityDefinitionTest, ExceptionsFromTheActivityPropagate) {
  registry_.add("App", []() -> int {
            throw ApplicationError("declined", {.type = "CardDeclined", .non_retryable = true});
          })
      .add("Std", []() -> int { throw std::invalid_argument("bad"); })
      .add("CoroThrows", []() -> Task<int> {
        throw std::runtime_error("coro failed");
        co_return 1;
      });
  auto e = run_failing("App", {});
  EXPECT_EQ(e.type(), "CardDeclined");
  EXPECT_THROW(run("Std", {}), std::invalid_argument);
  EXPECT_THROW(run("CoroThrows", {}), std::runtime_error);
}

TEST_F(ActivityDefinitionTest, CodecsApplyToArgumentsAndResult) {
  // A codec that marks payloads, so we can see both directions ran.
  struct Marker : PayloadCodec {
    std::vector<Payload> encode(std::vector<Payload> payloads) const override {
      for (auto& p : payloads) (*p.mutable_metadata())["marked"] = "1";
      return payloads;
    }
    std::vector<Payload> decode(std::vector<Payload> payloads) const override {
      for (auto& p : payloads) {
        if (!p.metadata().contains("marked")) throw std::runtime_error("not encoded");
        p.mutable_metadata()->erase("marked");
      }
      return payloads;
    }
  };
  converter_.codecs = {std::make_shared<Marker>()};
  registry_.add("Greet", acttest::greet);
  Payload result = run("Greet", converter_.to_payloads(std::string("Bo")));
  EXPECT_EQ(result.metadata().at("marked"), "1");
  EXPECT_EQ(converter_.from_payload<std::string>(result), "Hello, Bo!");
}

TEST_F(ActivityDefinitionTest, ThreadLocalContextOnlyInsideSynchronousActivities) {
  EXPECT_FALSE(activity::in_activity());
  EXPECT_THROW(activity::context(), std::logic_error);
  registry_.add("Who", []() { return activity::context().info().activity_id; });
  EXPECT_EQ(from_payload<std::string>(run("Who", {})), "act-1");
  EXPECT_FALSE(activity::in_activity());
}

TEST(ActivityRegistryTest, DuplicateAndEmptyNamesAreRejected) {
  ActivityRegistry registry;
  registry.add("B", acttest::greet).add("A", &acttest::add);
  EXPECT_THROW(registry.add("A", acttest::greet), std::invalid_argument);
  EXPECT_THROW(registry.add("", acttest::greet), std::invalid_argument);
  EXPECT_EQ(registry.names(), (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(registry.find("C"), nullptr);
  ASSERT_NE(registry.find("A"), nullptr);
  EXPECT_EQ(registry.find("A")->name(), "A");
}

TEST(ActivityRegistryTest, NotFoundErrorNamesTheRegisteredTypes) {
  ActivityRegistry registry;
  registry.add("Charge", acttest::greet).add("Ship", acttest::greet);
  ApplicationError e = registry.not_found_error("Refund");
  EXPECT_EQ(e.type(), kActivityNotFoundErrorType);
  EXPECT_FALSE(e.non_retryable());
  EXPECT_EQ(e.message(),
            "Activity function Refund is not registered on this worker, available activities: Charge, Ship");
}

}  // namespace
}  // namespace stead
