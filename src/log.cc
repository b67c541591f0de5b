#include "log.h"

#include <fcntl.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>

namespace cfm {

Status InitLogging(const std::string& log_path, const std::string& level) {
  std::vector<spdlog::sink_ptr> sinks;
  auto console = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  console->set_pattern("%^%l%$: %v");
  sinks.push_back(console);
  if (!log_path.empty()) {
    try {
      // Created (or narrowed to) 0600 before spdlog appends to it.
      int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
      if (fd >= 0) {
        ::fchmod(fd, 0600);  // a file from an older run may be wider
        ::close(fd);
      }
      auto file =
          std::make_shared<spdlog::sinks::basic_file_sink_mt>(log_path, false);
      file->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");
      sinks.push_back(file);
    } catch (const spdlog::spdlog_ex& e) {
      return Status::IOError("cannot open log file " + log_path + ": " +
                             e.what());
    }
  }
  auto logger =
      std::make_shared<spdlog::logger>("cfmigrate", sinks.begin(), sinks.end());
  std::string lower;
  for (char c : level) lower += static_cast<char>(std::tolower(c));
  if (lower == "warning") lower = "warn";
  logger->set_level(spdlog::level::from_str(lower));
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
  spdlog::flush_every(std::chrono::seconds(1));
  return Status::OK();
}

void FlushLogs() { spdlog::default_logger()->flush(); }

}  // namespace cfm
