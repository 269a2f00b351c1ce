// ActivityDefinition, ActivityRegistry and the conversion errors of activity invocation.
#include "stead/activity.h"

#include <stdexcept>

namespace stead {

namespace detail {

void throw_activity_conversion_error(const std::string& message) {
  // Non-retryable: the same payloads will not convert on the next attempt either.
  throw ApplicationError(message, {.type = kPayloadConversionErrorType, .non_retryable = true});
}

void check_activity_argument_count(const std::string& activity, std::size_t got, std::size_t required,
                                   std::size_t total) {
  if (got >= required && got <= total) return;
  std::string expected = required == total ? std::to_string(total)
                                           : std::to_string(required) + " to " + std::to_string(total);
  throw_activity_conversion_error("activity " + activity + " takes " + expected + " argument" +
                                  (total == 1 && required == total ? "" : "s") + ", got " + std::to_string(got));
}

void throw_activity_argument_error(const std::string& activity, std::size_t index, const std::exception& error) {
  throw_activity_conversion_error("activity " + activity + ": cannot convert argument " + std::to_string(index + 1) +
                                  ": " + error.what());
}

Payload encode_activity_payload(const ActivityContext& ctx, Payload payload) {
  std::vector<Payload> one;
  one.push_back(std::move(payload));
  return std::move(ctx.data_converter().encode(std::move(one)).at(0));
}

}  // namespace detail

ActivityDefinition::ActivityDefinition(std::string name, Invoker invoke, bool is_coroutine)
    : name_(std::move(name)), invoke_(std::move(invoke)), is_coroutine_(is_coroutine) {
  if (name_.empty()) throw std::invalid_argument("stead::ActivityDefinition: empty activity name");
  if (!invoke_) throw std::invalid_argument("stead::ActivityDefinition: no function for activity " + name_);
}

ActivityRegistry& ActivityRegistry::add(ActivityDefinition definition) {
  std::string name = definition.name();
  auto shared = std::make_shared<const ActivityDefinition>(std::move(definition));
  if (!activities_.emplace(name, std::move(shared)).second)
    throw std::invalid_argument("stead::ActivityRegistry: activity " + name + " is already registered");
  return *this;
}

std::shared_ptr<const ActivityDefinition> ActivityRegistry::find(std::string_view name) const {
  auto it = activities_.find(name);
  return it == activities_.end() ? nullptr : it->second;
}

std::vector<std::string> ActivityRegistry::names() const {
  std::vector<std::string> out;
  out.reserve(activities_.size());
  for (const auto& [name, definition] : activities_) out.push_back(name);
  return out;  // std::map: already sorted
}

ApplicationError ActivityRegistry::not_found_error(std::string_view activity_type) const {
  // The wording of the Python SDK, so operators recognise it.
  std::string message = "Activity function " + std::string(activity_type) +
                        " is not registered on this worker, available activities: ";
  bool first = true;
  for (const auto& [name, definition] : activities_) {
    if (!first) message += ", ";
    message += name;
    first = false;
  }
  return ApplicationError(message, {.type = kActivityNotFoundErrorType});
}

}  // namespace stead
