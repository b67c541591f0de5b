// cfmigrate detect-region: HEAD one source URL, read x-amz-cf-pop and
// recommend the EC2 region to run the migration from.
#include <cstdio>
#include <fstream>

#include "cli.h"
#include "commands.h"
#include "http.h"
#include "pop_regions.h"
#include "url_escape.h"

namespace cfm {
namespace {

// The first URL of the list (lenient like every input list: BOM, blank
// lines, whitespace, CR and TAB-separated fields are skipped).
Result<std::string> FirstUrl(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::NotFound("cannot read " + path);
  std::string line;
  bool first = true;
  while (std::getline(in, line)) {
    if (first && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);
    first = false;
    line = line.substr(0, line.find('\t'));
    size_t b = line.find_first_not_of(" \r\n\t");
    if (b == std::string::npos) continue;
    size_t e = line.find_last_not_of(" \r\n\t");
    return line.substr(b, e - b + 1);
  }
  return Status::NotFound(path + " holds no URL");
}

void Print(const std::string& url, const RegionAdvice& a) {
  std::printf("URL:                %s\n", url.c_str());
  std::printf("x-amz-cf-pop:       %s\n",
              a.pop.empty() ? "(none)" : a.pop.c_str());
  if (!a.city.empty())
    std::printf("Edge location:      %s (%s)\n", a.code.c_str(),
                a.city.c_str());
  std::printf("Recommended region: %s%s\n", a.region.c_str(),
              a.fallback ? " (fallback)" : "");
  std::printf("Why:                %s\n", a.reason.c_str());
}

}  // namespace

int RunDetectRegion(const std::vector<std::string>& args) {
  Settings settings;
  if (auto code = PrepareCommand(kDetectRegion, args, &settings)) return *code;
  std::string url = settings.Get("URL");
  if (url.empty()) {
    Result<std::string> first = FirstUrl(settings.Get("SOURCE_URLS_FILE"));
    if (!first.ok()) {
      RegionAdvice a = AdviseRegion("");
      a.reason = first.status().message() +
                 " and no --url was given; using the default us-west-2";
      Print("(none)", a);
      return kExitOk;
    }
    url = *first;
  }
  std::unique_ptr<HttpClient> http = NewCurlHttpClient();
  HttpRequest request;
  request.method = "HEAD";
  request.url = NormalizeUrl(url);  // as written in the list, made legal
  request.timeout_ms = 15000;
  Result<HttpResponse> response = http->Send(request);
  RegionAdvice advice;
  if (!response.ok()) {
    advice = AdviseRegion("");
    advice.reason = "the request failed (" + response.status().message() +
                    "); using the default us-west-2";
  } else {
    advice = AdviseRegion(response->Header("x-amz-cf-pop"));
    if (advice.pop.empty())
      advice.reason = "HTTP " + std::to_string(response->status) +
                      " without an x-amz-cf-pop header (not served by "
                      "CloudFront?); using the default us-west-2";
  }
  Print(url, advice);
  return kExitOk;
}

}  // namespace cfm
