// Micro-benchmark of the state hot paths: loading a 2,000,000-line
// completed.txt and mapping URLs to keys. Prints times and sizes; not a test.
// Usage: bench_state [lines] [dir]
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "completed_log.h"
#include "key_mapper.h"

namespace {

double Ms(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now() - since)
      .count();
}

std::string UrlFor(size_t i) {
  return "https://d278yjzsv5tla9.cloudfront.net/auctionimages/" +
         std::to_string(i % 997) + "/" + std::to_string(i) + "/image_" +
         std::to_string(i * 7919 % 1000003) + ".jpg";
}

}  // namespace

int main(int argc, char** argv) {
  size_t lines = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 2000000;
  std::string dir = argc > 2 ? argv[2] : "/tmp";
  std::string path = dir + "/bench_completed_" + std::to_string(getpid());
  cfm::KeyMappingOptions opts{"https://d278yjzsv5tla9.cloudfront.net/",
                              "images/", true};
  {
    FILE* f = std::fopen(path.c_str(), "w");
    if (f == nullptr) return 1;
    for (size_t i = 0; i < lines; ++i) {
      cfm::CompletedRecord r{UrlFor(i), "", 390000 + i % 1000,
                             "md5:0123456789abcdef0123456789abcdef"};
      r.key = *cfm::MapUrlToKey(r.url, opts);
      std::fputs(cfm::FormatCompletedLine(r).c_str(), f);
    }
    std::fclose(f);
  }
  auto start = std::chrono::steady_clock::now();
  size_t n = 0, bytes = 0;
  cfm::Status s = cfm::LoadCompleted(path, [&](const cfm::CompletedRecord& r) {
    ++n;
    bytes += r.url.size() + r.key.size() + r.checksum.size() + 24;
  });
  double load_ms = Ms(start);
  std::printf("LoadCompleted: %zu lines, %.1f MB of records in %.0f ms (%s)\n",
              n, bytes / 1e6, load_ms, s.ToString().c_str());

  // Build the URLs first so that only the mapping is timed.
  size_t sample = lines < 200000 ? lines : 200000;
  std::vector<std::string> urls;
  for (size_t i = 0; i < sample; ++i) urls.push_back(UrlFor(i));
  start = std::chrono::steady_clock::now();
  size_t key_bytes = 0;
  for (int round = 0; round < 10; ++round) {
    for (const std::string& url : urls)
      key_bytes += cfm::MapUrlToKey(url, opts)->size();
  }
  double map_ms = Ms(start);
  std::printf("MapUrlToKey: %zu URLs in %.0f ms, %.0f ns/URL\n", sample * 10,
              map_ms, map_ms * 1e6 / (sample * 10));
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  std::printf("peak RSS: %.1f MB\n", ru.ru_maxrss / 1024.0);
  unlink(path.c_str());
  return s.ok() ? 0 : 1;
}
