// The environment and shared-files links of the credentials chain.
#include <utility>

#include "credentials_sources.h"
#include "ini_file.h"

namespace cfm {
namespace {

using Section = std::map<std::string, std::string>;

class EnvironmentSource : public CredentialSource {
 public:
  explicit EnvironmentSource(CredentialsEnv env) : env_(std::move(env)) {}
  std::string Name() const override { return "environment"; }

  Result<AwsCredentials> Fetch() override {
    auto id = NonEmptyEnv(env_, "AWS_ACCESS_KEY_ID");
    auto secret = NonEmptyEnv(env_, "AWS_SECRET_ACCESS_KEY");
    if (!id && !secret) return Status::NotFound("AWS_ACCESS_KEY_ID not set");
    if (!secret)
      return Status::Auth(
          "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
    if (!id)
      return Status::Auth(
          "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not");
    AwsCredentials creds;
    creds.access_key_id = *id;
    creds.secret_access_key = *secret;
    auto token = NonEmptyEnv(env_, "AWS_SESSION_TOKEN");
    if (!token) token = NonEmptyEnv(env_, "AWS_SECURITY_TOKEN");
    creds.session_token = token.value_or("");
    creds.provider = "environment";
    return creds;
  }

 private:
  CredentialsEnv env_;
};

// One parsed shared file; `present` is false when it does not exist.
struct SharedFile {
  std::string path;
  bool present = false;
  IniSections sections;
};

class SharedFilesSource : public CredentialSource {
 public:
  explicit SharedFilesSource(CredentialsEnv env) : env_(std::move(env)) {}
  std::string Name() const override { return "shared files"; }

  Result<AwsCredentials> Fetch() override {
    std::string profile =
        NonEmptyEnv(env_, "AWS_PROFILE").value_or(std::string("default"));
    Result<SharedFile> creds_file =
        Load("AWS_SHARED_CREDENTIALS_FILE", "credentials");
    if (!creds_file.ok()) return creds_file.status();
    Result<SharedFile> config_file = Load("AWS_CONFIG_FILE", "config");
    if (!config_file.ok()) return config_file.status();
    const Section* in_creds = Find(*creds_file, profile);
    const Section* in_config = Find(*config_file, "profile " + profile);
    if (!in_config && profile == "default")
      in_config = Find(*config_file, "default");
    if (!in_creds && !in_config)
      return Status::NotFound("profile " + profile + " not found in " +
                              Describe(*creds_file) + " or " +
                              Describe(*config_file));
    return FromProfile(profile, in_creds, creds_file->path, in_config,
                       config_file->path);
  }

 private:
  // The file named by `variable`, or ~/.aws/<name>.
  Result<SharedFile> Load(const char* variable, const char* name) {
    SharedFile file;
    auto path = NonEmptyEnv(env_, variable);
    std::string home = NonEmptyEnv(env_, "HOME").value_or("");
    if (!path) {
      file.path = home + "/.aws/" + name;
    } else if (path->rfind("~/", 0) == 0) {
      file.path = home + path->substr(1);
    } else {
      file.path = *path;
    }
    Result<std::string> text = env_.read_file(file.path);
    if (text.ok()) {
      file.present = true;
      file.sections = ParseIni(*text);
    } else if (text.status().code() != Status::Code::kNotFound) {
      return Status::Auth("cannot read " + file.path + ": " +
                          text.status().message());
    }
    return file;
  }

  static const Section* Find(const SharedFile& file, const std::string& name) {
    auto it = file.sections.find(name);
    return it == file.sections.end() ? nullptr : &it->second;
  }

  static std::string Describe(const SharedFile& file) {
    return file.present ? file.path : file.path + " (no such file)";
  }

  static std::string Get(const Section* section, const char* key) {
    if (section == nullptr) return "";
    auto it = section->find(key);
    return it == section->end() ? "" : it->second;
  }

  Result<AwsCredentials> FromProfile(const std::string& profile,
                                     const Section* in_creds,
                                     const std::string& creds_path,
                                     const Section* in_config,
                                     const std::string& config_path) {
    if (!Get(in_creds, "aws_access_key_id").empty())
      return Static(profile, *in_creds, creds_path);
    std::string process = Get(in_creds, "credential_process");
    if (process.empty()) process = Get(in_config, "credential_process");
    if (!process.empty())
      return CredentialsFromProcess(env_, process,
                                    "credential_process of profile " + profile);
    if (!Get(in_config, "aws_access_key_id").empty())
      return Static(profile, *in_config, config_path);
    for (const char* key : {"role_arn", "sso_session", "sso_start_url",
                            "web_identity_token_file", "login_session"}) {
      if (!Get(in_creds, key).empty() || !Get(in_config, key).empty())
        return Status::Auth("profile " + profile + " uses " + key +
                            ", which cfmigrate does not support; export "
                            "credentials (aws configure export-credentials) "
                            "or use credential_process");
    }
    return Status::NotFound("profile " + profile +
                            " has no aws_access_key_id or credential_process");
  }

  static Result<AwsCredentials> Static(const std::string& profile,
                                       const Section& section,
                                       const std::string& path) {
    AwsCredentials creds;
    creds.access_key_id = Get(&section, "aws_access_key_id");
    creds.secret_access_key = Get(&section, "aws_secret_access_key");
    creds.session_token = Get(&section, "aws_session_token");
    if (creds.session_token.empty())
      creds.session_token = Get(&section, "aws_security_token");
    if (creds.secret_access_key.empty())
      return Status::Auth("profile " + profile + " in " + path +
                          " has aws_access_key_id but no "
                          "aws_secret_access_key");
    creds.provider = "profile " + profile + " in " + path;
    return creds;
  }

  CredentialsEnv env_;
};

}  // namespace

std::unique_ptr<CredentialSource> NewEnvironmentSource(CredentialsEnv env) {
  return std::make_unique<EnvironmentSource>(std::move(env));
}

std::unique_ptr<CredentialSource> NewSharedFilesSource(CredentialsEnv env) {
  return std::make_unique<SharedFilesSource>(std::move(env));
}

}  // namespace cfm
