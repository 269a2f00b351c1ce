// Minimal structured logging to stderr: level filter, "pretty" or "json" lines.
// Thread-safe. Secrets must never be passed to it.
#pragma once

#include <sstream>
#include <string>
#include <string_view>

namespace stead::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3, kOff = 4 };
enum class Format { kPretty, kJson };

// Parses "debug", "info", "warn", "error", "fatal"/"off"; false on unknown names.
bool parse_level(std::string_view name, Level* out);
bool parse_format(std::string_view name, Format* out);
void configure(Level level, Format format);
bool enabled(Level level);
void write(Level level, std::string_view message);

}  // namespace stead::log

// STEAD_LOG(kInfo) << "text " << value;  — the stream is built only when the level is enabled.
#define STEAD_LOG(level)                                                    \
  for (bool _on = ::stead::log::enabled(::stead::log::Level::level); _on; _on = false) \
    ::stead::log::internal::Line(::stead::log::Level::level).stream()

namespace stead::log::internal {
class Line {
 public:
  explicit Line(Level level) : level_(level) {}
  ~Line() { write(level_, stream_.str()); }
  std::ostringstream& stream() { return stream_; }

 private:
  Level level_;
  std::ostringstream stream_;
};
}  // namespace stead::log::internal
