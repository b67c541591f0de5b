// What `cfmigrate validate` found, as validation_report.json and as the
// console summary, and the exit code it implies. Pure.
#ifndef CFMIGRATE_VALIDATE_REPORT_H_
#define CFMIGRATE_VALIDATE_REPORT_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "validator.h"
#include "validator_checks.h"

namespace cfm {

struct ValidateReport {
  std::string bucket;
  std::string prefix;
  std::string urls_file;
  ValidationResult result;
  // --deep / --deep-fraction
  bool deep_enabled = false;
  uint64_t deep_requested = 0;
  double deep_fraction = 0;
  uint64_t seed = 0;
  size_t deep_sampled = 0;
  CheckCounts deep;
  // --etag-check
  bool etag_check = false;
  CheckCounts etag;
  // Source sizes (HEAD) for present objects no record vouches for.
  CheckCounts source_size;
  std::vector<CheckFinding> source_size_mismatches;  // up to 10
  std::vector<CheckFinding> corrupt;                 // every corrupt object
  std::vector<CheckFinding> check_errors;            // up to 10
  // Output
  std::string missing_path;
  size_t missing_lines = 0;
  std::string gone_path;
  size_t gone_lines = 0;
  bool accept_gone = false;  // --accept-gone
  size_t completed_pruned = 0;
  double list_seconds = 0;
  double compare_seconds = 0;
  double check_seconds = 0;
};

// True when every expected object is present and verified (its size
// confirmed by completed.txt or by the source, and no check found a
// difference or failed) and no URL was malformed.
bool CompleteAndIntact(const ValidateReport& r);

// True when all that keeps CompleteAndIntact false is URLs gone at the
// source (gone.txt).
bool CompleteExceptGone(const ValidateReport& r);

// kExitConfig when a check was refused access (a missing permission),
// else kExitOk when CompleteAndIntact (or CompleteExceptGone with
// --accept-gone), else kExitFailures.
int ValidateExitCode(const ValidateReport& r);

nlohmann::json ValidateReportJson(const ValidateReport& r);

// Multi-line console summary ending with the verdict.
std::string ValidateSummary(const ValidateReport& r);

}  // namespace cfm

#endif  // CFMIGRATE_VALIDATE_REPORT_H_
