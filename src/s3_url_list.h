// SOURCE_URLS_FILE=s3://bucket/key: the input list read from S3 in ranges
// of a few MB (never whole), with the ETag recorded when the list is first
// opened. Every range is asked for with If-Match on that ETag, so a list
// replaced while this run reads it (or between its passes) is refused with
// a clear message instead of being read half old, half new.
#ifndef CFMIGRATE_S3_URL_LIST_H_
#define CFMIGRATE_S3_URL_LIST_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "http.h"
#include "s3_store.h"
#include "url_list.h"

namespace cfm {

// What HEAD said about the list when it was first opened.
struct RemoteListInfo {
  std::string uri;   // s3://bucket/key
  std::string etag;  // as S3 sent it, with quotes
  uint64_t size = 0;
};

// Opens lists in S3 for UrlListReader (register Opener() with
// SetRemoteListOpener). The first Open of a URI HEADs it and records its
// ETag; later opens of the same URI (the passes of one run) read that
// version or fail. Thread-safe: the reader threads of a run may open lists
// at once; each returned source is used by one thread.
class S3ListOpener {
 public:
  // `http_factory` makes the HTTP client of each source (tests inject
  // fakes); nullptr uses libcurl.
  explicit S3ListOpener(
      StoreAccess access,
      std::function<std::unique_ptr<HttpClient>()> http_factory = nullptr);

  // A source reading `uri` from the start. Fails with kInvalidArgument for
  // a bad URI, kNotFound for a missing object (naming it), kAuth for
  // AccessDenied (naming s3:GetObject), else the S3 error.
  Result<std::unique_ptr<ListSource>> Open(const std::string& uri);

  // The info recorded by the first Open of `uri`; etag "" when it was
  // never opened.
  RemoteListInfo Info(const std::string& uri);

  RemoteListOpener AsOpener() {
    return [this](const std::string& uri) { return Open(uri); };
  }

 private:
  Result<RemoteListInfo> Head(const S3Uri& uri, HttpClient* http);

  StoreAccess access_;
  std::function<std::unique_ptr<HttpClient>()> http_factory_;
  std::mutex mu_;
  std::map<std::string, RemoteListInfo> seen_;
};

// The message for a list whose ETag is no longer `etag`. Pure.
std::string ListChangedMessage(const std::string& uri, const std::string& etag);

}  // namespace cfm

#endif  // CFMIGRATE_S3_URL_LIST_H_
