// stead/testing.h: the testing kit (target Stead::testing, pkg-config stead-testing).
//
//   stead::testing::WorkflowEnvironment  a server of the test's own, in process, with time
//                                        skipping (stead/workflow_environment.h)
//   stead::testing::ActivityEnvironment  runs one activity with a test context: info,
//                                        recorded heartbeats, cancellation, worker shutdown
//                                        (stead/activity_environment.h)
//   stead::Replayer                      replays recorded histories against the workflow
//                                        code, for regression tests (stead/replayer.h)
//
// Web routes are tested in process with stead::http::TestClient (stead/http_test_client.h,
// part of Stead::http). docs/testing.md shows them together.
#pragma once

#include "stead/activity_environment.h"
#include "stead/replayer.h"
#include "stead/workflow_environment.h"
