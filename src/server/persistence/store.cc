#include "server/persistence/store.h"

#include <future>
#include <utility>

namespace stead::server::persistence {

Status Store::commit_sync(WriteBatch batch) {
  std::promise<Status> committed;
  std::future<Status> result = committed.get_future();
  commit(std::move(batch), [&committed](const Status& s) { committed.set_value(s); });
  return result.get();
}

}  // namespace stead::server::persistence
