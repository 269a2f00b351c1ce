#include "server/visibility/execution_status.h"

#include "server/visibility/ascii.h"
#include "temporal/api/enums/v1/workflow.pb.h"

namespace stead::server::visibility {

namespace enums = temporal::api::enums::v1;

namespace {

struct StatusName {
  std::string_view camel;      // the query language's spelling
  std::string_view screaming;  // the enum's suffix
  int32_t value;
};

constexpr StatusName kStatuses[] = {
    {"Running", "RUNNING", enums::WORKFLOW_EXECUTION_STATUS_RUNNING},
    {"Completed", "COMPLETED", enums::WORKFLOW_EXECUTION_STATUS_COMPLETED},
    {"Failed", "FAILED", enums::WORKFLOW_EXECUTION_STATUS_FAILED},
    {"Canceled", "CANCELED", enums::WORKFLOW_EXECUTION_STATUS_CANCELED},
    {"Terminated", "TERMINATED", enums::WORKFLOW_EXECUTION_STATUS_TERMINATED},
    {"ContinuedAsNew", "CONTINUED_AS_NEW", enums::WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW},
    {"TimedOut", "TIMED_OUT", enums::WORKFLOW_EXECUTION_STATUS_TIMED_OUT},
    {"Paused", "PAUSED", enums::WORKFLOW_EXECUTION_STATUS_PAUSED},
};

}  // namespace

bool parse_execution_status(std::string_view text, int32_t* status) {
  constexpr std::string_view kPrefix = "WORKFLOW_EXECUTION_STATUS_";
  const bool prefixed =
      text.size() > kPrefix.size() && ascii_iequals(text.substr(0, kPrefix.size()), kPrefix);
  if (prefixed) text.remove_prefix(kPrefix.size());
  for (const StatusName& s : kStatuses) {
    if (ascii_iequals(text, prefixed ? s.screaming : s.camel)) {
      *status = s.value;
      return true;
    }
  }
  return false;
}

std::string_view execution_status_name(int32_t status) {
  for (const StatusName& s : kStatuses) {
    if (s.value == status) return s.camel;
  }
  return "Unspecified";
}

}  // namespace stead::server::visibility
