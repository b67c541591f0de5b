// `cfmigrate migrate --dry-run`: what the list holds and what a run would
// do with it, found without touching S3. Every line goes to stdout and to
// the log file.
#ifndef CFMIGRATE_DRY_RUN_H_
#define CFMIGRATE_DRY_RUN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "clock.h"
#include "key_mapper.h"

namespace cfm {

struct DryRunOptions {
  std::string list_path;
  KeyMappingOptions mapping;
  uint64_t already_done = 0;     // URLs of the list recorded in completed.txt
  int sample = 0;                // source URLs to HEAD (0: none)
  int concurrency = 150;         // CONCURRENCY, for the time estimate
  Clock* clock = SystemClock();  // times the HEADs; borrowed
  // A sampled 200 of one of these media types is an error page, as in a
  // run (REJECT_CONTENT_TYPES); the source's CA bundle ("": the system's).
  std::vector<std::string> reject_types = {"text/html"};
  std::string source_ca_file;
};

// Prints the counts table (lines, unique, duplicates, malformed, already
// completed, to copy, key collisions); malformed lines by reason with the
// first examples and their line numbers; colliding keys with examples; 5
// sample keys; with `sample` > 0, HEADs that many random source URLs,
// lists every failure (no answer, not 200, or a 200 a run would not store:
// Content-Encoding other than identity, a REJECT_CONTENT_TYPES media type;
// redirects are followed as a run follows them) and estimates bytes and
// time from the sizes, the measured latency with `concurrency` in flight,
// and the bandwidth.
// Returns the exit code: 2 with key collisions or no usable URL at all, 1
// with malformed lines or when no sampled URL answered 200 with an image,
// else 0.
int DryRun(const DryRunOptions& options, const CollisionReport& scan);

// A malformed line: its number, its URL and why.
struct MalformedLine {
  size_t line = 0;
  std::string url;
  std::string reason;  // without the "malformed url: " prefix
};

// The report of malformed lines: "malformed lines by reason:", then per
// reason its count and up to `examples` first lines ("line N: URL").
std::vector<std::string> FormatMalformed(
    const std::vector<MalformedLine>& lines, size_t examples = 3);

// The estimate's lines, from the sample's mean size and mean HEAD latency,
// for `todo` objects with `concurrency` in flight: total bytes, the
// latency-bound time, and for 1, 2.5 and 5 Gbit/s the time and which bound
// sets it; then the assumptions.
std::vector<std::string> FormatEstimate(double mean_bytes,
                                        double mean_latency_s, uint64_t todo,
                                        int concurrency);

}  // namespace cfm

#endif  // CFMIGRATE_DRY_RUN_H_
