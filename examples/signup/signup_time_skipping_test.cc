// The signup example tested in process, as the Temporal Python docs test a web app: a
// time-skipping environment, the app's routes mounted with the environment's client
// (mount_signup_api takes the client), a worker on env.client(), requests made with
// stead::http::TestClient. The user store is a real SQLite file and mail goes to a real
// outbox directory. Assertions are on virtual time (env.now()), never on wall time.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>

#include "signup.h"
#include "stead/http.h"
#include "stead/testing.h"

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace std::chrono_literals;

class SignupTimeSkippingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("signup-ts-" + std::to_string(getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    users_ = std::make_shared<signup::UserStore>((dir_ / "users.db").string());
    signup::mount_signup_api(api_, env_.client(), users_);
  }
  void TearDown() override {
    if (worker_) worker_->shutdown();
    fs::remove_all(dir_);
  }
  void start_worker(signup::MailOptions mail) {
    worker_ = std::make_unique<stead::Worker>(env_.client(), stead::WorkerOptions{.task_queue = signup::kTaskQueue});
    signup::register_signup(*worker_, users_, std::move(mail));
    worker_->start();
  }

  fs::path dir_;
  std::shared_ptr<signup::UserStore> users_;
  stead::testing::WorkflowEnvironment env_ = stead::testing::WorkflowEnvironment::start_time_skipping();
  stead::http::Api api_{{.title = "Signup", .log_requests = false}};
  stead::http::TestClient http_{api_};
  std::unique_ptr<stead::Worker> worker_;
};

TEST_F(SignupTimeSkippingTest, SignupStoresTheUserAndSendsTheWelcomeEmail) {
  start_worker({.outbox_dir = (dir_ / "outbox").string()});
  auto created = http_.post("/signup", {{"email", "ada@example.com"}, {"name", "Ada Lovelace"}});
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.json()["workflow_id"], "signup-1");

  auto message_id = env_.client().get_workflow_handle("signup-1").result<std::string>();
  EXPECT_EQ(message_id, "<signup-1@signup.example>");
  EXPECT_TRUE(fs::exists(dir_ / "outbox" / "signup-1@signup.example.eml"));

  auto user = http_.get("/users/1");
  ASSERT_EQ(user.status, 200) << user.body;
  EXPECT_EQ(user.json()["email"], "ada@example.com");
  EXPECT_EQ(user.json()["welcome_email"]["status"], "COMPLETED");
  EXPECT_EQ(http_.post("/signup", {{"email", "ada@example.com"}, {"name", "Ada"}}).status, 409);
}

TEST_F(SignupTimeSkippingTest, UndeliverableMailFailsAfterFiveAttemptsOfBackoff) {
  // The "outbox" is a regular file: every delivery attempt fails.
  fs::path not_a_directory = dir_ / "outbox";
  std::ofstream(not_a_directory) << "not a directory";
  start_worker({.outbox_dir = not_a_directory.string()});

  auto signed_up_at = env_.now();
  ASSERT_EQ(http_.post("/signup", {{"email", "bob@example.com"}, {"name", "Bob"}}).status, 201);
  EXPECT_THROW(env_.client().get_workflow_handle("signup-1").result<std::string>(), stead::WorkflowFailureError);
  EXPECT_GE(env_.now() - signed_up_at, 15s);  // 5 attempts: 1 + 2 + 4 + 8 s of backoff

  auto user = http_.get("/users/1");
  EXPECT_EQ(user.json()["welcome_email"]["status"], "FAILED") << user.body;
}

}  // namespace
