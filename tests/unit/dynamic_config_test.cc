// --dynamic-config-value: honoured keys change the config; everything else is reported.
#include "server/dynamic_config.h"

#include <algorithm>

#include <gtest/gtest.h>

namespace stead::server {
namespace {

using Values = std::vector<std::pair<std::string, std::string>>;

TEST(DynamicConfig, HonouredKeysChangeTheConfig) {
  history::Config config;
  std::vector<std::string> warnings;
  Values values = {{"frontend.namespaceCount", "7"},
                   {"limit.maxIDLength", "\"64\""},
                   {"limit.blobSize.error", "1024"},
                   {"history.longPollExpirationInterval", "5s"},
                   {"history.defaultWorkflowTaskTimeout", "3s"}};
  ASSERT_TRUE(apply_dynamic_config(values, &config, &warnings).ok());
  EXPECT_EQ(config.max_concurrent_long_polls, 7);
  EXPECT_EQ(config.max_id_length, 64u);
  EXPECT_EQ(config.blob_size_limit_error, 1024);
  EXPECT_EQ(config.history_long_poll_interval, std::chrono::seconds(5));
  EXPECT_EQ(config.default_workflow_task_timeout, std::chrono::seconds(3));
  EXPECT_TRUE(warnings.empty());
  // Every key listed as honoured is one of these.
  for (const auto& [key, value] : values) {
    const auto& honoured = honoured_dynamic_config_keys();
    EXPECT_NE(std::find(honoured.begin(), honoured.end(), key), honoured.end()) << key;
  }
  EXPECT_EQ(honoured_dynamic_config_keys().size(), values.size());
}

TEST(DynamicConfig, EveryKeyThatChangesNothingIsNamedInAWarning) {
  history::Config config;
  std::vector<std::string> warnings;
  Values values = {
      {"frontend.enableUpdateWorkflowExecution", "true"},  // what Stead does anyway: silent
      {"frontend.enableServerVersionCheck", "false"},      // likewise
      {"frontend.enableUpdateWorkflowExecutionAsyncAccepted", "false"},  // asks for less: not honoured
      {"matching.numTaskqueueReadPartitions", "4"},                      // unknown
  };
  ASSERT_TRUE(apply_dynamic_config(values, &config, &warnings).ok());
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_NE(warnings[0].find("frontend.enableUpdateWorkflowExecutionAsyncAccepted=false"), std::string::npos)
      << warnings[0];
  EXPECT_NE(warnings[0].find("not honoured"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[1].find("matching.numTaskqueueReadPartitions"), std::string::npos) << warnings[1];
  EXPECT_NE(warnings[1].find("not honoured"), std::string::npos) << warnings[1];
}

TEST(DynamicConfig, MalformedHonouredValuesAreErrors) {
  history::Config config;
  std::vector<std::string> warnings;
  EXPECT_FALSE(apply_dynamic_config({{"frontend.namespaceCount", "many"}}, &config, &warnings).ok());
  EXPECT_FALSE(apply_dynamic_config({{"limit.maxIDLength", "0"}}, &config, &warnings).ok());
}

}  // namespace
}  // namespace stead::server
