// Small objects in S3 for scale-out: parsing "s3://bucket/key" names, and a
// tiny object store interface (put, get, list) that the state sync and the
// union views use, with an S3 implementation over S3Client and an in-memory
// one for tests.
#ifndef CFMIGRATE_S3_STORE_H_
#define CFMIGRATE_S3_STORE_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "s3_client.h"
#include "status.h"

namespace cfm {

struct S3Uri {
  std::string bucket;
  std::string key;  // the object's key, or a prefix ("" or ending in '/')
  std::string ToString() const { return "s3://" + bucket + "/" + key; }
};

// Parses "s3://bucket/key". `prefix` true: the key is a folder and gets a
// trailing '/' when it lacks one ("s3://b" is the whole bucket). Fails with
// kInvalidArgument naming `what` (the setting) when there is no bucket, or
// (not a prefix) no key. Pure.
Result<S3Uri> ParseS3Uri(std::string_view text, bool prefix,
                         const std::string& what);

// Objects under one bucket. Implementations are used by one thread at a
// time.
class ObjectStore {
 public:
  virtual ~ObjectStore() = default;
  // Writes `body` at `key` (replacing it). Error Status naming the key.
  virtual Status Put(const std::string& key, const std::string& body) = 0;
  // The object's bytes; kNotFound when there is none.
  virtual Result<std::string> Get(const std::string& key) = 0;
  // Every key under `prefix`, in S3's (byte) order.
  virtual Result<std::vector<std::string>> List(const std::string& prefix) = 0;
};

// How to reach S3: the endpoint and the credentials of the run.
struct StoreAccess {
  S3Endpoint endpoint;
  CredentialsSource credentials;
  CredentialsRefresh refresh_credentials;
};

// An ObjectStore on `bucket`. Each call retries transient errors (5xx,
// SlowDown, timeouts) 3 times, 1 s and 2 s apart; AccessDenied fails with
// kAuth naming the IAM action that is missing.
std::unique_ptr<ObjectStore> NewS3ObjectStore(const StoreAccess& access,
                                              const std::string& bucket);

// An ObjectStore in memory, for tests. Thread-safe.
class MemoryObjectStore : public ObjectStore {
 public:
  Status Put(const std::string& key, const std::string& body) override;
  Result<std::string> Get(const std::string& key) override;
  Result<std::vector<std::string>> List(const std::string& prefix) override;
  size_t puts() const { return puts_; }

 private:
  std::mutex mu_;
  std::map<std::string, std::string> objects_;
  size_t puts_ = 0;
};

}  // namespace cfm

#endif  // CFMIGRATE_S3_STORE_H_
