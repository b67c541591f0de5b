#include "validate_report.h"

#include <fmt/format.h>

#include <algorithm>

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

std::string ResultLine(const ValidateReport& r) {
  if (CompleteAndIntact(r)) return "RESULT: complete and intact\n";
  if (CompleteExceptGone(r)) {
    return fmt::format("RESULT: complete except {} gone at the source{}\n",
                       r.result.counts.gone,
                       r.accept_gone ? " (accepted: --accept-gone)" : "");
  }
  return "RESULT: NOT complete/intact\n";
}

// Examples of what is wrong, and the check results.
std::string Details(const ValidateReport& r) {
  std::string s;
  const ValidationResult& v = r.result;
  for (size_t i = 0; i < v.missing_examples.size() && i < 5; ++i) {
    s += "  missing: " + v.missing_examples[i] + "\n";
  }
  for (const SizeMismatch& m : v.size_mismatch_examples) {
    s += fmt::format("  size differs: {} recorded {} bytes, S3 has {}\n", m.key,
                     m.recorded, m.listed);
  }
  for (const CheckFinding& f : r.source_size_mismatches) {
    s += fmt::format("  size differs: {} ({})\n", f.key, f.detail);
  }
  for (size_t i = 0; i < v.unverified_examples.size() && i < 5; ++i) {
    s += "  unverified: " + v.unverified_examples[i] + "\n";
  }
  for (size_t i = 0; i < v.malformed_examples.size() && i < 5; ++i) {
    s += "  malformed: " + v.malformed_examples[i] + "\n";
  }
  if (r.source_size.checked + r.source_size.errors > 0) {
    s += fmt::format(
        "  source sizes (HEAD, for objects completed.txt does not vouch "
        "for): {} compared, {} differ, {} failed\n",
        r.source_size.checked, r.source_size.mismatched, r.source_size.errors);
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
    s += fmt::format("  bytes differ: {} ({})\n", f.key, f.detail);
  }
  for (const CheckFinding& f : r.check_errors) {
    s += fmt::format("  check failed: {}: {}\n", f.url, f.detail);
  }
  return s;
}

// Where the lists went, and what to do next.
std::string Outputs(const ValidateReport& r) {
  std::string s;
  if (r.missing_lines > 0) {
    s += fmt::format("  {} URLs to copy again written to {}\n", r.missing_lines,
                     r.missing_path);
    s += "  re-run: cfmigrate migrate --source-urls-file " + r.missing_path +
         "\n";
  }
  if (r.completed_pruned > 0) {
    s += fmt::format(
        "  {} records of bad or absent objects removed or marked wrong in "
        "completed.txt, so migrate copies them again\n",
        r.completed_pruned);
  }
  if (r.gone_lines > 0) {
    s += fmt::format("  {} URLs gone at the source written to {}\n",
                     r.gone_lines, r.gone_path);
  }
  if (CompleteExceptGone(r)) {
    s += fmt::format(
        "  complete except {} gone at the source: every other expected "
        "object is present and verified; the URLs in {} answered "
        "404/410/403 to their last migrate attempt, so no re-run can copy "
        "them{}\n",
        r.result.counts.gone, r.gone_path,
        r.accept_gone ? " (--accept-gone: exit 0)"
                      : " (exit 1; --accept-gone makes this exit 0)");
  }
  return s;
}

}  // namespace

bool CompleteAndIntact(const ValidateReport& r) {
  const ValidationCounts& c = r.result.counts;
  // An empty list proves nothing: it is never "complete".
  return c.expected > 0 && c.verified == c.expected && c.gone == 0 &&
         c.malformed == 0;
}

bool CompleteExceptGone(const ValidateReport& r) {
  const ValidationCounts& c = r.result.counts;
  return c.gone > 0 && c.verified + c.gone == c.expected && c.malformed == 0;
}

int ValidateExitCode(const ValidateReport& r) {
  if (r.deep.denied > 0 || r.etag.denied > 0) return kExitConfig;
  if (CompleteAndIntact(r)) return kExitOk;
  if (CompleteExceptGone(r) && r.accept_gone) return kExitOk;
  return kExitFailures;
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
      {"complete_except_gone", CompleteExceptGone(r)},
      {"accept_gone", r.accept_gone},
      {"bucket", r.bucket},
      {"prefix", r.prefix},
      {"urls_file", r.urls_file},
      {"url_lines", c.url_lines},
      {"expected", c.expected},
      {"duplicate_urls", c.duplicate_urls},
      {"malformed", c.malformed},
      {"listed", c.listed},
      {"present", c.present},
      {"verified", c.verified},
      {"verified_by_record", c.verified_by_record},
      {"missing", c.missing},
      {"size_mismatches", c.size_mismatches},
      {"bytes_differ", c.corrupt},
      {"unverified", c.unverified},
      {"gone", c.gone},
      {"extra", c.extra},
      {"completed_records", c.completed_records},
      {"completed_records_not_in_bucket", c.completed_not_in_bucket},
      {"completed_records_removed", r.completed_pruned},
      {"missing_file", r.missing_path},
      {"missing_file_lines", r.missing_lines},
      {"gone_file", r.gone_path},
      {"gone_file_lines", r.gone_lines},
      {"source_size_check", CheckJson(r.source_size)},
      {"examples",
       {{"missing", r.result.missing_examples},
        {"malformed", r.result.malformed_examples},
        {"unverified", r.result.unverified_examples},
        {"size_mismatches", mismatches},
        {"extra", r.result.extra_examples}}},
      {"corrupt", FindingsJson(r.corrupt)},
      {"source_size_mismatches", FindingsJson(r.source_size_mismatches)},
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
      "  expected   {} (from {} lines: {} duplicates, {} malformed)\n"
      "  verified   {} ({}): present with the right size ({} by the size in "
      "completed.txt, {} by the source's size)\n"
      "  missing    {} (not in the bucket)\n"
      "  wrong      {} size differs, {} bytes differ\n"
      "  unverified {} (present, but no size to trust: the source could not "
      "be asked, or a check failed)\n"
      "  gone       {} (the source answered 404/410/403 to the last "
      "migrate attempt; in gone.txt, not in missing.txt)\n"
      "  extra objects {} (under the prefix, no URL maps to them; not a "
      "failure)\n",
      r.bucket, r.prefix, r.urls_file, c.expected, c.url_lines,
      c.duplicate_urls, c.malformed, c.verified,
      Percent(c.verified, c.expected), c.verified_by_record,
      c.verified - std::min(c.verified, c.verified_by_record), c.missing,
      c.size_mismatches, c.corrupt, c.unverified, c.gone, c.extra);
  s += "  checked: presence and size of every expected object";
  if (r.deep_enabled) s += "; the bytes (MD5) of a --deep sample";
  if (r.etag_check) s += "; source ETag against S3 ETag (--etag-check)";
  if (!r.deep_enabled && !r.etag_check) {
    s += "; NOT the bytes (same-size damage needs --deep N or --etag-check)";
  }
  s += "\n";
  s += Details(r);
  s += Outputs(r);
  return s + ResultLine(r);
}

}  // namespace cfm
