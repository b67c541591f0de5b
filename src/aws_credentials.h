// The AWS credentials one request is signed with.
#ifndef CFMIGRATE_AWS_CREDENTIALS_H_
#define CFMIGRATE_AWS_CREDENTIALS_H_

#include <ctime>
#include <string>

namespace cfm {

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;   // empty for long-term keys
  std::time_t expiration = 0;  // 0: never expires
  std::string provider;        // which provider produced them, for messages
};

}  // namespace cfm

#endif  // CFMIGRATE_AWS_CREDENTIALS_H_
