#include "shard.h"

#include <charconv>

namespace cfm {
namespace {

// A whole number in [0, limit), else -1.
long long ParseIndex(std::string_view text, long long limit) {
  long long v = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty())
    return -1;
  return v >= 0 && v < limit ? v : -1;
}

}  // namespace

uint64_t Fnv1a64(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

int ShardOf(std::string_view key, int count) {
  if (count <= 1) return 0;
  return static_cast<int>(Fnv1a64(key) % static_cast<uint64_t>(count));
}

std::string ShardSpec::Label() const {
  return "shard " + std::to_string(index) + " of " + std::to_string(count);
}

std::string ShardSpec::Folder() const {
  return "shard-" + std::to_string(index) + "-of-" + std::to_string(count);
}

Result<ShardSpec> ResolveShard(
    long long count, const std::string& index,
    const std::function<const char*(const char*)>& getenv) {
  std::string from = "SHARD_INDEX", value = index;
  for (const char* name :
       {"AWS_BATCH_JOB_ARRAY_INDEX", "JOB_COMPLETION_INDEX"}) {
    if (!value.empty()) break;
    const char* v = getenv(name);
    if (v != nullptr && *v != '\0') from = name, value = v;
  }
  ShardSpec spec;
  spec.count = static_cast<int>(count);
  if (value.empty()) return spec;
  long long i = ParseIndex(value, count);
  if (i < 0) {
    std::string why = "must be a whole number from 0 to " +
                      std::to_string(count - 1) + " (SHARD_COUNT is " +
                      std::to_string(count) + ")";
    if (count == 1 && from != "SHARD_INDEX")
      why +=
          "; set SHARD_COUNT to the number of workers, or every worker "
          "copies the whole list";
    return Status::InvalidArgument(from + "=" + value + ": " + why);
  }
  spec.index = static_cast<int>(i);
  return spec;
}

bool ParseShardFolder(std::string_view folder, ShardSpec* spec) {
  if (!folder.empty() && folder.back() == '/') folder.remove_suffix(1);
  if (folder.substr(0, 6) != "shard-") return false;
  folder.remove_prefix(6);
  size_t of = folder.find("-of-");
  if (of == std::string_view::npos) return false;
  long long count = ParseIndex(folder.substr(of + 4), 1LL << 30);
  if (count < 1) return false;
  long long index = ParseIndex(folder.substr(0, of), count);
  if (index < 0) return false;
  spec->index = static_cast<int>(index);
  spec->count = static_cast<int>(count);
  return true;
}

}  // namespace cfm
