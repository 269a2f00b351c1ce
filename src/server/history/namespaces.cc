// Namespaces: registration, description, updates and their custom search attributes.
#include <algorithm>

#include "common/uuid.h"
#include "server/history/engine.h"

namespace stead::server::history {

namespace enums = temporal::api::enums::v1;



Status Engine::describe_namespace(const std::string& name, v1::NamespaceRecord* out) const {
  std::lock_guard lock(namespaces_mu_);
  auto it = namespaces_.find(name);
  if (it == namespaces_.end()) return Status::NotFound("Namespace " + name + " is not found.");
  *out = it->second;
  return Status::Ok();
}

std::vector<v1::NamespaceRecord> Engine::list_namespaces() const {
  std::lock_guard lock(namespaces_mu_);
  std::vector<v1::NamespaceRecord> out;
  for (const auto& [name, record] : namespaces_) out.push_back(record);
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name() < b.name(); });
  return out;
}

bool Engine::namespace_exists(const std::string& name) const {
  std::lock_guard lock(namespaces_mu_);
  return namespaces_.count(name) > 0;
}

Status Engine::register_namespace(v1::NamespaceRecord record) {
  if (record.name().empty()) return Status::InvalidArgument("Namespace name is not set.");
  {
    std::lock_guard lock(namespaces_mu_);
    if (namespaces_.count(record.name())) return Status::AlreadyExists("Namespace already exists.");
  }
  if (record.id().empty()) record.set_id(new_uuid());
  if (!record.has_retention()) *record.mutable_retention() = to_proto_duration(config_.default_namespace_retention);
  persistence::WriteBatch batch;
  batch.namespaces.push_back({record.name(), record.SerializeAsString()});
  STEAD_RETURN_IF_ERROR(store_.commit_sync(std::move(batch)));
  std::lock_guard lock(namespaces_mu_);
  namespaces_.emplace(record.name(), std::move(record));
  return Status::Ok();
}

Status Engine::update_namespace(const std::string& name,
                                const std::function<Status(v1::NamespaceRecord*)>& change) {
  // One writer at a time: namespace changes are rare, so the lock may span the commit.
  std::lock_guard update_lock(namespace_update_mu_);
  v1::NamespaceRecord record;
  STEAD_RETURN_IF_ERROR(describe_namespace(name, &record));
  STEAD_RETURN_IF_ERROR(change(&record));
  persistence::WriteBatch batch;
  batch.namespaces.push_back({record.name(), record.SerializeAsString()});
  STEAD_RETURN_IF_ERROR(store_.commit_sync(std::move(batch)));
  std::lock_guard lock(namespaces_mu_);
  namespaces_[name] = std::move(record);
  return Status::Ok();
}

std::map<std::string, enums::IndexedValueType> Engine::custom_search_attributes(const std::string& ns) const {
  std::map<std::string, enums::IndexedValueType> out;
  std::lock_guard lock(namespaces_mu_);
  auto it = namespaces_.find(ns);
  if (it == namespaces_.end()) return out;
  for (const auto& [name, type] : it->second.search_attributes()) out[name] = static_cast<enums::IndexedValueType>(type);
  return out;
}

}  // namespace stead::server::history
