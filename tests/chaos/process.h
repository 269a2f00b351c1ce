// Process: a child process the chaos driver starts, kills and restarts (the server, workers).
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace chaos {

class Process {
 public:
  // Starts `argv` with stdout and stderr appended to `log_path`.
  Process(std::vector<std::string> argv, std::string log_path);
  ~Process();  // SIGKILLs a process still running
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  void start();
  // Sends `signal` and reaps the process. Returns its wait status.
  int stop(int signal);
  bool running() const { return pid_ > 0; }
  // Reaps the process if it has exited; false while it runs.
  bool exited(int* status);

 private:
  std::vector<std::string> argv_;
  std::string log_path_;
  pid_t pid_ = -1;
};

}  // namespace chaos
