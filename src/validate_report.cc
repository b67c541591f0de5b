#include "validate_report.h"

#include <fmt/format.h>

#include "commands.h"

namespace cfm {
namespace {

nlohmann::json CheckJson(const CheckCounts& c) {
  return {{"checked", c.checked},
          {"mismatched", c.mismatched},
          {"skipped_not_md5", c.skipped},
          {"errors", c.errors}};
}

nlohmann::json FindingsJson(const std::vector<CheckFinding>& v) {
  nlohmann::json out = nlohmann::json::array();
  for (const CheckFinding& f : v) {
    out.push_back({{"url", f.url}, {"key", f.key}, {"detail", f.detail}});
  }
  return out;
}

std::string Percent(size_t part, size_t whole) {
  if (whole == 0) return "100%";
  return fmt::format("{:.4f}%", 100.0 * static_cast<double>(part) /
                                    static_cast<double>(whole));
}

}  // namespace

bool CompleteAndIntact(const ValidateReport& r) {
  const ValidationCounts& c = r.result.counts;
  return c.missing == 0 && c.size_mismatches == 0 && c.malformed == 0 &&
         r.deep.mismatched == 0 && r.deep.errors == 0 &&
         r.etag.mismatched == 0 && r.etag.errors == 0;
}

int ValidateExitCode(const ValidateReport& r) {
  if (r.deep.denied > 0 || r.etag.denied > 0) return kExitConfig;
  return CompleteAndIntact(r) ? kExitOk : kExitFailures;
}

nlohmann::json ValidateReportJson(const ValidateReport& r) {
  const ValidationCounts& c = r.result.counts;
  nlohmann::json mismatches = nlohmann::json::array();
  for (const SizeMismatch& m : r.result.size_mismatch_examples) {
    mismatches.push_back({{"key", m.key},
                          {"recorded_bytes", m.recorded},
                          {"listed_bytes", m.listed}});
  }
  nlohmann::json j = {
      {"complete_and_intact", CompleteAndIntact(r)},
      {"bucket", r.bucket},
      {"prefix", r.prefix},
      {"urls_file", r.urls_file},
      {"url_lines", c.url_lines},
      {"expected", c.expected},
      {"duplicate_urls", c.duplicate_urls},
      {"malformed", c.malformed},
      {"listed", c.listed},
      {"present", c.present},
      {"missing", c.missing},
      {"size_mismatches", c.size_mismatches},
      {"extra", c.extra},
      {"completed_records", c.completed_records},
      {"completed_records_not_in_bucket", c.completed_not_in_bucket},
      {"completed_records_removed", r.completed_pruned},
      {"missing_file", r.missing_path},
      {"missing_file_lines", r.missing_lines},
      {"examples",
       {{"missing", r.result.missing_examples},
        {"malformed", r.result.malformed_examples},
        {"size_mismatches", mismatches},
        {"extra", r.result.extra_examples}}},
      {"corrupt", FindingsJson(r.corrupt)},
      {"check_errors", FindingsJson(r.check_errors)},
      {"seconds",
       {{"listing", r.list_seconds},
        {"comparing", r.compare_seconds},
        {"checks", r.check_seconds}}},
  };
  if (r.deep_enabled) {
    j["deep"] = CheckJson(r.deep);
    j["deep"]["sampled"] = r.deep_sampled;
    j["deep"]["requested"] = r.deep_requested;
    j["deep"]["fraction"] = r.deep_fraction;
    j["deep"]["seed"] = r.seed;
  }
  if (r.etag_check) j["etag_check"] = CheckJson(r.etag);
  return j;
}

std::string ValidateSummary(const ValidateReport& r) {
  const ValidationCounts& c = r.result.counts;
  std::string s = fmt::format(
      "validate s3://{}/{} against {}\n"
      "  expected {} (from {} lines: {} duplicates, {} malformed)\n"
      "  present  {} ({})\n"
      "  missing  {}\n"
      "  size mismatches {} (sizes from completed.txt)\n"
      "  extra objects {} (under the prefix, no URL maps to them; not a "
      "failure)\n",
      r.bucket, r.prefix, r.urls_file, c.expected, c.url_lines,
      c.duplicate_urls, c.malformed, c.present,
      Percent(c.present - c.size_mismatches, c.expected), c.missing,
      c.size_mismatches, c.extra);
  for (size_t i = 0; i < r.result.missing_examples.size() && i < 5; ++i) {
    s += "  missing: " + r.result.missing_examples[i] + "\n";
  }
  for (const SizeMismatch& m : r.result.size_mismatch_examples) {
    s += fmt::format("  size mismatch: {} recorded {} bytes, S3 has {}\n",
                     m.key, m.recorded, m.listed);
  }
  for (size_t i = 0; i < r.result.malformed_examples.size() && i < 5; ++i) {
    s += "  malformed: " + r.result.malformed_examples[i] + "\n";
  }
  if (r.deep_enabled) {
    s += fmt::format(
        "  deep check (seed {}): {} sampled, {} compared, {} differ, {} "
        "errors\n",
        r.seed, r.deep_sampled, r.deep.checked, r.deep.mismatched,
        r.deep.errors);
  }
  if (r.etag_check) {
    s += fmt::format(
        "  ETag check: {} compared, {} differ, {} not plain MD5, {} errors\n",
        r.etag.checked, r.etag.mismatched, r.etag.skipped, r.etag.errors);
  }
  for (const CheckFinding& f : r.corrupt) {
    s += fmt::format("  corrupt: {} ({})\n", f.key, f.detail);
  }
  for (const CheckFinding& f : r.check_errors) {
    s += fmt::format("  check failed: {}: {}\n", f.url, f.detail);
  }
  if (r.missing_lines > 0) {
    s += fmt::format("  {} URLs to retry written to {}", r.missing_lines,
                     r.missing_path);
    if (r.completed_pruned > 0) {
      s += fmt::format(" ({} stale records removed from completed.txt)",
                       r.completed_pruned);
    }
    s += "\n  re-run: cfmigrate migrate --source-urls-file " + r.missing_path +
         "\n";
  }
  s += CompleteAndIntact(r) ? "RESULT: complete and intact\n"
                            : "RESULT: NOT complete/intact\n";
  return s;
}

}  // namespace cfm
