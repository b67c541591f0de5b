// Benchmark of validate's comparison once the listing is in hand: a
// generated N-key listing (default 4,000,000) against an N-line urls.txt
// and an N-line completed.txt, with a few missing, extra and mis-sized
// objects. Prints the time of each pass and the peak RSS; not a test.
// Usage: bench_validate [N] [dir]
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>

#include "completed_log.h"
#include "key_mapper.h"
#include "listing_index.h"
#include "validator.h"

namespace {

using Clock = std::chrono::steady_clock;

double Sec(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

double CpuSec() {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

double PeakMb() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024.0;
}

// Realistic CloudFront URL for image i (path-preserving keys are the
// longest, so the worst case for memory).
std::string UrlFor(size_t i) {
  char buf[160];
  std::snprintf(buf, sizeof(buf),
                "https://d278yjzsv5tla9.cloudfront.net/auctionimages/%04zu/"
                "%02zu/%07zu/image_%08zx.jpg",
                2015 + i % 9, 1 + i % 12, i, i * 2654435761u % 0xFFFFFFFF);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  size_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 4000000;
  std::string dir = argc > 2 ? argv[2] : "/tmp";
  std::string tag = dir + "/bench_validate_" + std::to_string(getpid());
  cfm::KeyMappingOptions mapping{"https://d278yjzsv5tla9.cloudfront.net/",
                                 "images/", true};
  // Inputs: every 40,000th URL is missing from the listing, every 50,000th
  // has a wrong recorded size, and 100 extra objects are listed.
  FILE* urls = std::fopen((tag + "_urls.txt").c_str(), "w");
  FILE* done = std::fopen((tag + "_completed.txt").c_str(), "w");
  if (urls == nullptr || done == nullptr) return 1;
  for (size_t i = 0; i < n; ++i) {
    std::string url = UrlFor(i);
    std::fprintf(urls, "%s\n", url.c_str());
    uint64_t size = 1000 + i % 700000 + (i % 50000 == 7 ? 1 : 0);
    std::fputs(cfm::FormatCompletedLine(
                   {url, *cfm::MapUrlToKey(url, mapping), size, ""})
                   .c_str(),
               done);
  }
  std::fclose(urls);
  std::fclose(done);
  double rss_inputs = PeakMb();

  auto t0 = Clock::now();
  cfm::ListingIndex index("images/", /*keep_md5=*/false);
  for (size_t i = 0; i < n; ++i) {
    if (i % 40000 == 3) continue;
    index.Add(*cfm::MapUrlToKey(UrlFor(i), mapping), 1000 + i % 700000,
              "\"0123456789abcdef0123456789abcdef\"");
  }
  for (int i = 0; i < 100; ++i) {
    index.Add("images/stray/" + std::to_string(i) + ".jpg", 5, "\"x\"");
  }
  double t_generate = Sec(t0);
  auto t1 = Clock::now();
  double cpu1 = CpuSec();
  index.Finish();
  double t_finish = Sec(t1);

  cfm::ValidationResult result;
  auto t2 = Clock::now();
  cfm::RecordedObjects records(index);
  cfm::GoneUrls gone;
  cfm::Status s = cfm::ApplyCompleted(tag + "_completed.txt", "dest", &index,
                                      &records, &gone, &result);
  double t_completed = Sec(t2);
  auto missing = cfm::ListFileWriter::Open(tag + "_missing.txt");
  auto t3 = Clock::now();
  if (s.ok()) {
    s = cfm::CompareUrls(
        tag + "_urls.txt", mapping, &index, records,
        [](size_t, const std::string&, bool) {}, &result);
  }
  cfm::CountExtras(index, &result);
  if (s.ok()) {
    s = cfm::ReportUrls(
        tag + "_urls.txt", mapping, &index, gone,
        [&](const std::string& u) { (*missing)->Add(u); },
        [](const std::string&, const std::string&) {}, &result);
  }
  double t_compare = Sec(t3);
  double cpu_compare = CpuSec() - cpu1;
  if (s.ok()) s = (*missing)->Commit();
  const cfm::ValidationCounts& c = result.counts;
  std::printf(
      "keys %zu, urls %zu: present %zu missing %zu size mismatches "
      "%zu extra %zu (%s)\n",
      c.listed, c.url_lines, c.present, c.missing, c.size_mismatches, c.extra,
      s.ToString().c_str());
  std::printf(
      "listing index: %.0f MB held; build (generation + Add) %.2f s, "
      "Finish %.2f s\n",
      index.MemoryBytes() / 1e6, t_generate, t_finish);
  std::printf(
      "compare: completed.txt pass %.2f s + urls.txt pass and "
      "extras %.2f s = %.2f s (index build included: %.2f s)\n",
      t_completed, t_compare, t_completed + t_compare,
      t_finish + t_completed + t_compare);
  std::printf("CPU seconds for Finish + both passes + extras: %.2f s\n",
              cpu_compare);
  std::printf("peak RSS %.0f MB (%.0f MB before the index)\n", PeakMb(),
              rss_inputs);
  for (const char* f : {"_urls.txt", "_completed.txt", "_missing.txt"}) {
    unlink((tag + f).c_str());
  }
  return s.ok() ? 0 : 1;
}
