// Splitting one migration over N workers (an AWS Batch array job, a
// Kubernetes Indexed Job): which URLs belong to which shard, and which shard
// this process is.
//
// A URL belongs to shard Fnv1a64(destination key) mod SHARD_COUNT, where
// Fnv1a64 is the 64-bit FNV-1a hash of the key's bytes (offset basis
// 0xcbf29ce484222325, prime 0x100000001b3). The hash depends on the key
// alone, so reordering or appending to the list moves no URL between
// shards, and every URL is in exactly one shard. Shards are numbered from 0
// to SHARD_COUNT - 1, as both engines number their workers.
#ifndef CFMIGRATE_SHARD_H_
#define CFMIGRATE_SHARD_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "status.h"

namespace cfm {

// 64-bit FNV-1a of `bytes`. Pure.
uint64_t Fnv1a64(std::string_view bytes);

// The shard (0 .. count-1) of destination key `key`; 0 when count <= 1. Pure.
int ShardOf(std::string_view key, int count);

struct ShardSpec {
  int index = 0;
  int count = 1;

  // True when the list is split (count > 1).
  bool split() const { return count > 1; }
  // True when `key` belongs to this shard.
  bool Owns(std::string_view key) const { return ShardOf(key, count) == index; }
  // "shard 3 of 16".
  std::string Label() const;
  // "shard-3-of-16": this shard's folder under STATE_URI.
  std::string Folder() const;
};

// Works out this process's shard from SHARD_COUNT (`count`, already checked
// to be a whole number >= 1) and SHARD_INDEX (`index`, "" when not set),
// else AWS_BATCH_JOB_ARRAY_INDEX, else JOB_COMPLETION_INDEX (read through
// `getenv`, which returns nullptr for unset), else 0. Fails with
// kInvalidArgument naming the variable the index came from when it is not
// a whole number in [0, count), including an engine index with SHARD_COUNT
// left at 1 (every worker would copy the whole list). Pure.
Result<ShardSpec> ResolveShard(
    long long count, const std::string& index,
    const std::function<const char*(const char*)>& getenv);

// Parses "shard-3-of-16" (a folder name, with or without a trailing '/').
// False when `folder` is not one. Pure.
bool ParseShardFolder(std::string_view folder, ShardSpec* spec);

}  // namespace cfm

#endif  // CFMIGRATE_SHARD_H_
