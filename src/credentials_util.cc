// Helpers shared by the credential sources: JSON documents, timestamps,
// secret scrubbing.
#include <cctype>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>

#include "credentials_sources.h"

namespace cfm {
namespace {

bool SecretChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' ||
         c == '=' || c == '\\';
}

constexpr size_t kSecretRun = 40;

// A string member of `doc`, "" when absent or not a string.
std::string StringField(const nlohmann::json& doc, const char* name) {
  auto it = doc.find(name);
  if (it == doc.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

}  // namespace

std::optional<std::string> NonEmptyEnv(const CredentialsEnv& env,
                                       const std::string& name) {
  std::optional<std::string> value = env.getenv(name);
  if (!value || value->empty()) return std::nullopt;
  return value;
}

Result<std::time_t> ParseIso8601(std::string_view text) {
  std::string s(text);
  int year, mon, day, hour, min, sec, used = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &year, &mon, &day,
                  &hour, &min, &sec, &used) != 6 ||
      used != 19)
    return Status::InvalidArgument("not an ISO 8601 time: " +
                                   ScrubSecrets(text));
  std::string_view rest = text.substr(used);
  if (!rest.empty() && rest.front() == '.') {
    rest.remove_prefix(1);
    while (!rest.empty() && std::isdigit(static_cast<unsigned char>(rest[0])))
      rest.remove_prefix(1);
  }
  long offset = 0;
  int oh = 0, om = 0;
  if (rest == "Z" || rest == "z" || rest.empty()) {
    offset = 0;
  } else if ((rest[0] == '+' || rest[0] == '-') &&
             std::sscanf(std::string(rest.substr(1)).c_str(), "%2d:%2d", &oh,
                         &om) == 2 &&
             rest.size() == 6) {
    offset = (rest[0] == '+' ? 1 : -1) * (oh * 3600L + om * 60L);
  } else {
    return Status::InvalidArgument("not an ISO 8601 time: " +
                                   ScrubSecrets(text));
  }
  std::tm tm = {};
  tm.tm_year = year - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = min;
  tm.tm_sec = sec;
  return static_cast<std::time_t>(timegm(&tm) - offset);
}

std::string FormatIso8601(std::time_t t) {
  std::tm tm = {};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string ScrubSecrets(std::string_view text,
                         const std::vector<std::string>& known) {
  std::string s(text);
  for (const std::string& secret : known) {
    if (secret.empty()) continue;
    for (size_t at = s.find(secret); at != std::string::npos;
         at = s.find(secret, at))
      s.replace(at, secret.size(), "<redacted>");
  }
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = i;
    while (j < s.size() && SecretChar(s[j])) ++j;
    if (j - i >= kSecretRun) {
      out += "<redacted>";
    } else {
      out.append(s, i, j - i);
    }
    if (j < s.size()) out += s[j];
    i = j + 1;
  }
  return out;
}

Result<AwsCredentials> ParseCredentialsJson(std::string_view body,
                                            const char* token_field,
                                            const std::string& provider) {
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object())
    return Status::Auth("reply is not a JSON object (" +
                        std::to_string(body.size()) + " bytes)");
  AwsCredentials creds;
  creds.provider = provider;
  creds.access_key_id = StringField(doc, "AccessKeyId");
  creds.secret_access_key = StringField(doc, "SecretAccessKey");
  creds.session_token = StringField(doc, token_field);
  if (creds.access_key_id.empty())
    return Status::Auth("reply has no AccessKeyId");
  if (creds.secret_access_key.empty())
    return Status::Auth("reply has no SecretAccessKey");
  std::string expiration = StringField(doc, "Expiration");
  if (!expiration.empty()) {
    Result<std::time_t> t = ParseIso8601(expiration);
    if (!t.ok())
      return Status::Auth("reply has a bad Expiration: " +
                          t.status().message());
    creds.expiration = *t;
  }
  return creds;
}

}  // namespace cfm
