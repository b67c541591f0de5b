#include "checkpoint.h"

#include <nlohmann/json.hpp>

namespace cfm {
namespace {

using nlohmann::json;

constexpr size_t kBufferBytes = 1 << 20;

}  // namespace

std::string CheckpointToJson(const Checkpoint& c) {
  json j = {{"version", Checkpoint::kVersion},
            {"api_base_url", c.api_base_url},
            {"pagination", c.pagination},
            {"output_file", c.output_file},
            {"page", c.state.page},
            {"offset", c.state.offset},
            {"cursor", c.state.cursor},
            {"next_url", c.state.next_url},
            {"items_seen", c.state.items_seen},
            {"done", c.state.done},
            {"urls_written", c.urls_written},
            {"output_bytes", c.output_bytes},
            {"duplicates", c.duplicates},
            {"duplicate_example", c.duplicate_example},
            {"invalid", c.foreign + c.malformed},
            {"foreign", c.foreign},
            {"foreign_example", c.foreign_example},
            {"malformed", c.malformed},
            {"malformed_example", c.malformed_example},
            {"pages", c.pages},
            {"api_total", c.api_total}};
  return j.dump(2) + "\n";
}

Result<Checkpoint> CheckpointFromJson(std::string_view text) {
  try {
    json j = json::parse(text);
    if (j.at("version").get<int>() != Checkpoint::kVersion)
      return Status::Corruption("checkpoint version " + j["version"].dump() +
                                " is not " +
                                std::to_string(Checkpoint::kVersion));
    Checkpoint c;
    j.at("api_base_url").get_to(c.api_base_url);
    j.at("pagination").get_to(c.pagination);
    j.at("output_file").get_to(c.output_file);
    j.at("page").get_to(c.state.page);
    j.at("offset").get_to(c.state.offset);
    j.at("cursor").get_to(c.state.cursor);
    j.at("next_url").get_to(c.state.next_url);
    j.at("items_seen").get_to(c.state.items_seen);
    j.at("done").get_to(c.state.done);
    j.at("urls_written").get_to(c.urls_written);
    j.at("output_bytes").get_to(c.output_bytes);
    j.at("duplicates").get_to(c.duplicates);
    c.foreign = j.value("foreign", j.at("invalid").get<int64_t>());
    c.malformed = j.value("malformed", int64_t{0});
    c.duplicate_example = j.value("duplicate_example", std::string());
    c.foreign_example = j.value("foreign_example", std::string());
    c.malformed_example = j.value("malformed_example", std::string());
    j.at("pages").get_to(c.pages);
    j.at("api_total").get_to(c.api_total);
    return c;
  } catch (const json::exception& e) {
    return Status::Corruption(std::string("bad checkpoint: ") + e.what());
  }
}

Status SaveCheckpoint(const std::string& path, const Checkpoint& c) {
  return WriteFileAtomically(path, CheckpointToJson(c), kPrivateFileMode);
}

Result<Checkpoint> LoadCheckpoint(const std::string& path) {
  Result<std::string> text = ReadWholeFile(path);
  if (!text.ok()) return text.status();
  Result<Checkpoint> c = CheckpointFromJson(*text);
  if (!c.ok()) return c.status().WithContext(path);
  return c;
}

UrlFileWriter::~UrlFileWriter() {
  if (file_ != nullptr) (void)WriteBuffer();
}

Status UrlFileWriter::Open(const std::string& path, int64_t length) {
  Result<std::unique_ptr<AppendOnlyFile>> f =
      AppendOnlyFile::Open(path, AppendOnlyFile::Start::kKeep, kSharedFileMode);
  if (!f.ok()) return f.status();
  if (Status s = (*f)->CutTo(length); !s.ok()) return s;
  file_ = std::move(*f);
  written_ = durable_ = length;
  buf_.reserve(kBufferBytes + 4096);
  return Status::OK();
}

Status UrlFileWriter::AppendLine(std::string_view line) {
  buf_.append(line);
  buf_ += '\n';
  if (buf_.size() >= kBufferBytes) return WriteBuffer();
  return Status::OK();
}

Status UrlFileWriter::WriteBuffer() {
  Status s = file_->Append(buf_);
  if (!s.ok()) return s;
  written_ += static_cast<int64_t>(buf_.size());
  buf_.clear();
  return Status::OK();
}

Status UrlFileWriter::Sync() {
  if (Status s = WriteBuffer(); !s.ok()) return s;
  if (Status s = file_->Sync(); !s.ok()) return s;
  durable_ = written_;
  return Status::OK();
}

}  // namespace cfm
