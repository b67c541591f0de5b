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
  std::vector<CheckFinding> corrupt;       // every corrupt object
  std::vector<CheckFinding> check_errors;  // up to 10
  // Output
  std::string missing_path;
  size_t missing_lines = 0;
  size_t completed_pruned = 0;
  double list_seconds = 0;
  double compare_seconds = 0;
  double check_seconds = 0;
};

// True when every expected object is present with the right size, no URL
// was malformed and no check found a difference or failed.
bool CompleteAndIntact(const ValidateReport& r);

// kExitConfig when a check was refused access (a missing permission),
// else kExitOk when CompleteAndIntact, else kExitFailures.
int ValidateExitCode(const ValidateReport& r);

nlohmann::json ValidateReportJson(const ValidateReport& r);

// Multi-line console summary ending with the verdict.
std::string ValidateSummary(const ValidateReport& r);

}  // namespace cfm

#endif  // CFMIGRATE_VALIDATE_REPORT_H_
