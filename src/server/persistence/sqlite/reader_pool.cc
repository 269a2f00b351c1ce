#include "server/persistence/sqlite/reader_pool.h"

#include <utility>

namespace stead::server::persistence::sqlite {

ReaderPool::ReaderPool(std::string path) : path_(std::move(path)) {}

ReaderPool::ReaderPool(Connection* shared, std::mutex* shared_mu)
    : shared_(shared), shared_mu_(shared_mu) {}

ReaderPool::Lease::~Lease() {
  if (owned_ != nullptr) pool_->release(std::move(owned_));
}

Status ReaderPool::acquire(Lease* out) {
  out->pool_ = this;
  if (shared_ != nullptr) {
    out->shared_lock_ = std::unique_lock<std::mutex>(*shared_mu_);
    out->conn_ = shared_;
    return Status::Ok();
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      out->owned_ = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (out->owned_ == nullptr) {
    // Opened outside mu_: opening reads the schema, and other readers need not wait for it.
    STEAD_RETURN_IF_ERROR(Connection::open(path_, Connection::Role::kReader, &out->owned_));
  }
  out->conn_ = out->owned_.get();
  return Status::Ok();
}

void ReaderPool::release(std::unique_ptr<Connection> conn) {
  std::lock_guard<std::mutex> lock(mu_);
  if (idle_.size() < kMaxIdle) idle_.push_back(std::move(conn));
  // Otherwise `conn` closes on return; the pool shrinks back after a burst.
}

}  // namespace stead::server::persistence::sqlite
