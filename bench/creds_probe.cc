// Runs the AWS credentials chain once (plus --refresh N forced refreshes)
// and prints the masked result; the integration tests drive it until
// `cfmigrate debug-credentials` is wired in main.
#include <string>
#include <vector>

#include "credentials.h"

int main(int argc, char** argv) {
  return cfm::RunCredentialsDiagnostic(
      std::vector<std::string>(argv + 1, argv + argc));
}
