#include "dry_run.h"

#include <algorithm>
#include <map>
#include <random>

#include "failure_tally.h"
#include "http.h"
#include "log.h"
#include "progress.h"
#include "source_answer.h"
#include "url_escape.h"
#include "url_list.h"

namespace cfm {
namespace {

std::string Row(const char* label, uint64_t value) {
  return StringPrintf("  %-20s%llu", label,
                      static_cast<unsigned long long>(value));
}

// Reads the list once: the malformed lines, the first 5 keys and `n` URLs
// picked uniformly at random (reservoir sampling).
struct ListPass {
  std::vector<MalformedLine> malformed;
  std::vector<std::pair<std::string, std::string>> keys;  // url, key
  std::vector<std::string> picked;
};

ListPass ReadList(const DryRunOptions& o) {
  ListPass pass;
  auto reader = UrlListReader::Open(o.list_path);
  if (!reader.ok()) return pass;
  std::mt19937_64 rng(std::random_device{}());
  const size_t n = static_cast<size_t>(std::max(o.sample, 0));
  std::string url;
  size_t line = 0, seen = 0;
  while ((*reader)->Next(&url, &line)) {
    Result<std::string> key = MapUrlToKey(url, o.mapping);
    if (!key.ok()) {
      std::string why = key.status().message();
      if (why.rfind("malformed url: ", 0) == 0) why.erase(0, 15);
      pass.malformed.push_back({line, url, why});
      continue;
    }
    if (pass.keys.size() < 5 &&
        std::none_of(pass.keys.begin(), pass.keys.end(),
                     [&](const auto& k) { return k.first == url; }))
      pass.keys.emplace_back(url, *key);
    if (++seen <= n) {
      pass.picked.push_back(url);
    } else if (n > 0) {
      size_t j = std::uniform_int_distribution<size_t>(0, seen - 1)(rng);
      if (j < n) pass.picked[j] = url;
    }
  }
  return pass;
}

void PrintTable(const DryRunOptions& o, const CollisionReport& scan) {
  uint64_t todo =
      scan.unique_urls > o.already_done ? scan.unique_urls - o.already_done : 0;
  PrintLine("dry run: " + o.list_path);
  PrintLine(Row("lines with a URL:", scan.urls));
  PrintLine(Row("unique URLs:", scan.unique_urls));
  PrintLine(Row("duplicates:", scan.urls - scan.unique_urls - scan.malformed));
  PrintLine(Row("malformed:", scan.malformed));
  PrintLine(Row("already completed:", o.already_done));
  PrintLine(Row("to copy:", todo));
  PrintLine(Row("key collisions:", scan.collisions));
}

void PrintCollisions(const CollisionReport& scan) {
  PrintLine(
      StringPrintf("%s would be written by more than one URL (%s); nothing "
                   "would be uploaded. Examples:",
                   Plural(scan.collisions, "key").c_str(),
                   Plural(scan.colliding_urls, "URL").c_str()));
  for (const KeyCollision& c : scan.examples)
    PrintLine("  " + c.key + " <- " + c.first_url + " and " + c.second_url);
  PrintLine(
      "Set PRESERVE_PATH_STRUCTURE=true (--preserve-path-structure) to keep "
      "each URL's path in its key.");
}

// The HEAD for one sampled URL, asked the way migrate asks for the image:
// the URL made legal, identity encoding, redirects followed, the source's
// CA bundle.
HttpRequest SampleRequest(const DryRunOptions& o, const std::string& url) {
  HttpRequest req;
  req.method = "HEAD";
  req.url = NormalizeUrl(url);  // the list keeps it as written
  req.headers = {{"Accept-Encoding", "identity"}};
  req.max_redirects = kMaxSourceRedirects;
  req.ca_file = o.source_ca_file;
  req.timeout_ms = 10000;
  return req;
}

// HEADs every picked URL; prints each failure: no answer, a status other
// than 200, or a 200 migrate would refuse to store (an encoded body, an
// error page's media type). Returns the exit code.
int Sample(const DryRunOptions& o, const std::vector<std::string>& picked,
           uint64_t todo) {
  auto http = NewCurlHttpClient();
  uint64_t bytes = 0, ok = 0, answered = 0;
  double latency = 0;
  std::vector<std::string> failures;
  for (const std::string& url : picked) {
    HttpRequest req = SampleRequest(o, url);
    if (req.url.find('\0') != std::string::npos) {
      failures.push_back("  HEAD " + url + ": malformed url: NUL byte");
      continue;
    }
    int64_t t0 = o.clock->NowMs();
    Result<HttpResponse> r = http->Send(req);
    int64_t took_ms = o.clock->NowMs() - t0;
    if (r.ok()) {
      ++answered;
      latency += static_cast<double>(took_ms) / 1000.0;
    }
    std::string why =
        !r.ok() ? r.status().ToString()
        : r->status != 200
            ? "http " + std::to_string(r->status)
            : RejectSourceAnswer(r->Header("content-encoding"),
                                 r->Header("content-type"), o.reject_types);
    if (!why.empty()) {
      failures.push_back("  HEAD " + url + ": " + why);
      continue;
    }
    bytes += std::strtoull(r->Header("content-length").c_str(), nullptr, 10);
    ++ok;
  }
  PrintLine(StringPrintf("sample of %s: %llu answered 200, %llu failed%s",
                         Plural(picked.size(), "source URL").c_str(),
                         static_cast<unsigned long long>(ok),
                         static_cast<unsigned long long>(failures.size()),
                         failures.empty() ? "" : ":"));
  for (const std::string& line : failures) PrintLine(line);
  if (ok == 0) {
    PrintLine("no sampled source URL answered 200: no estimate");
    return 1;
  }
  for (const std::string& line :
       FormatEstimate(static_cast<double>(bytes) / ok, latency / answered, todo,
                      o.concurrency))
    PrintLine(line);
  return 0;
}

}  // namespace

std::vector<std::string> FormatMalformed(
    const std::vector<MalformedLine>& lines, size_t examples) {
  std::map<std::string, std::vector<const MalformedLine*>> by_reason;
  for (const MalformedLine& m : lines) by_reason[m.reason].push_back(&m);
  std::vector<std::string> out;
  if (lines.empty()) return out;
  out.push_back("malformed lines by reason (a run records them as failed):");
  for (const auto& [reason, ms] : by_reason) {
    out.push_back("  " + Plural(ms.size(), "line") + ": " + reason);
    for (size_t i = 0; i < ms.size() && i < examples; ++i)
      out.push_back("    line " + std::to_string(ms[i]->line) + ": " +
                    ms[i]->url);
  }
  return out;
}

std::vector<std::string> FormatEstimate(double mean_bytes,
                                        double mean_latency_s, uint64_t todo,
                                        int concurrency) {
  double total = mean_bytes * todo;
  double latency_s = todo * mean_latency_s / std::max(concurrency, 1);
  std::vector<std::string> out;
  out.push_back(StringPrintf(
      "mean size %.0f KB: estimated %.2f GB to copy (%s)", mean_bytes / 1e3,
      total / 1e9, Plural(todo, "object").c_str()));
  out.push_back(StringPrintf(
      "mean HEAD latency %.0f ms: with %d in flight at most %.0f files/s, %s",
      mean_latency_s * 1e3, concurrency,
      mean_latency_s > 0 ? concurrency / mean_latency_s : 0.0,
      FormatDuration(latency_s).c_str()));
  for (double gbps : {1.0, 2.5, 5.0}) {
    double bandwidth_s = total * 8 / (gbps * 1e9);
    bool latency_bound = latency_s > bandwidth_s;
    out.push_back(
        StringPrintf("  at %.1f Gbit/s: %s (%s bounds)", gbps,
                     FormatDuration(std::max(latency_s, bandwidth_s)).c_str(),
                     latency_bound ? "latency" : "bandwidth"));
  }
  out.push_back(
      "assumes: each object costs one source round trip (the HEAD latency "
      "measured here) plus its bytes; S3's own latency and retries are not "
      "counted; the sample's sizes are typical of the list");
  return out;
}

int DryRun(const DryRunOptions& o, const CollisionReport& scan) {
  PrintTable(o, scan);
  ListPass pass = ReadList(o);
  for (const std::string& line : FormatMalformed(pass.malformed))
    PrintLine(line);
  if (scan.collisions > 0) PrintCollisions(scan);
  if (!pass.keys.empty()) PrintLine("sample keys:");
  for (const auto& [url, key] : pass.keys) {
    PrintLine("  " + url);
    PrintLine("    -> " + key);
  }
  if (scan.unique_urls == 0)
    PrintLine("the list holds no usable URL: a run would refuse it (exit 2)");
  int code = scan.collisions > 0 || scan.unique_urls == 0 ? 2
             : scan.malformed > 0                         ? 1
                                                          : 0;
  if (o.sample <= 0) return code;
  uint64_t todo =
      scan.unique_urls > o.already_done ? scan.unique_urls - o.already_done : 0;
  int sampled = Sample(o, pass.picked, todo);
  return code ? code : sampled;
}

}  // namespace cfm
