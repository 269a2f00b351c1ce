// AppProcess: an example's executable run as a child process by its tests. Reads the child's
// standard output until a line containing `ready` — by default "listening on
// http://127.0.0.1:", whose PORT is then kept — so the child is serving when the constructor
// returns; stop() sends SIGTERM and returns the exit status (128 + signal when killed).
//
//   examples::AppProcess app(ORDERS_APP_BIN, {"--port", "0"}, {{"PROCESS_ORDER_URL", ""}});
//   ... requests to 127.0.0.1:app.port() ...
//   EXPECT_EQ(app.stop(), 0);
//
// Throws std::runtime_error when the child exits before announcing its port. Environment
// entries with an empty value are removed from the child's environment (TEMPORAL_ADDRESS is
// always removed, so the examples use their embedded server).
//
// Thread safety: one controlling thread.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace examples {

class AppProcess {
 public:
  static constexpr const char* kListening = "listening on http://127.0.0.1:";

  AppProcess(std::string binary, const std::vector<std::string>& args, std::map<std::string, std::string> env = {},
             std::string ready = kListening) {
    int out[2];
    if (pipe(out) != 0) throw std::runtime_error("pipe failed");
    env.emplace("TEMPORAL_ADDRESS", "");
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      close(out[1]);
      for (const auto& [k, v] : env) v.empty() ? unsetenv(k.c_str()) : setenv(k.c_str(), v.c_str(), 1);
      std::vector<char*> argv{binary.data()};
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(binary.c_str(), argv.data());
      _exit(127);
    }
    close(out[1]);
    out_ = fdopen(out[0], "r");
    char line[1024];
    bool ready_seen = false;
    while (!ready_seen && std::fgets(line, sizeof line, out_)) {
      std::string s = line;
      output_ += s;
      if (auto at = s.find(ready); at != std::string::npos) {
        ready_seen = true;
        if (ready == kListening) port_ = std::atoi(s.c_str() + at + ready.size());
      }
    }
    if (!ready_seen) {
      int status = stop();
      throw std::runtime_error(binary + " exited (" + std::to_string(status) + ") before it was ready; output:\n" + output_);
    }
  }
  AppProcess(const AppProcess&) = delete;
  AppProcess& operator=(const AppProcess&) = delete;
  ~AppProcess() {
    if (pid_ > 0) stop();
  }

  int port() const { return port_; }  // 0 unless `ready` was kListening
  // What the child printed up to and including the "listening on" line.
  const std::string& output() const { return output_; }

  // SIGTERM, then waits; the exit status (128 + signal when killed). Idempotent.
  int stop() {
    if (pid_ <= 0) return status_;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    if (out_) std::fclose(out_);
    out_ = nullptr;
    pid_ = -1;
    status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return status_;
  }

 private:
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
  int port_ = 0;
  int status_ = -1;
  std::string output_;
};

}  // namespace examples
