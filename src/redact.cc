#include "redact.h"

#include <spdlog/sinks/sink.h>
#include <spdlog/spdlog.h>

#include <cctype>
#include <memory>
#include <vector>

namespace cfm {
namespace {

constexpr std::string_view kMask = "***";

std::string PercentEncoded(std::string_view s, bool lower) {
  const char* hex = lower ? "0123456789abcdef" : "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

void ReplaceAll(std::string* text, const std::string& what) {
  if (what.empty()) return;
  for (size_t at = text->find(what); at != std::string::npos;
       at = text->find(what, at + kMask.size()))
    text->replace(at, what.size(), kMask);
}

bool EndsValue(char c) {
  return c == '&' || c == '#' || c == '"' || c == '\'' || c == '>' ||
         std::isspace(static_cast<unsigned char>(c));
}

// Masks the value of every `name=` that starts a query parameter.
void MaskParam(std::string* text, const std::string& name) {
  if (name.empty()) return;
  std::string key = name + "=";
  for (size_t at = text->find(key); at != std::string::npos;
       at = text->find(key, at + 1)) {
    if (at == 0) continue;
    char before = (*text)[at - 1];
    if (before != '?' && before != '&' && before != ';') continue;
    size_t start = at + key.size();
    size_t end = start;
    while (end < text->size() && !EndsValue((*text)[end])) ++end;
    if (std::string_view(*text).substr(start, end - start) != kMask)
      text->replace(start, end - start, kMask);
  }
}

// Forwards every message to `inner` with its text redacted.
class RedactingSink : public spdlog::sinks::sink {
 public:
  RedactingSink(spdlog::sink_ptr inner, Secret secret)
      : inner_(std::move(inner)), secret_(std::move(secret)) {
    set_level(inner_->level());
  }
  void log(const spdlog::details::log_msg& msg) override {
    std::string text = Redact(
        std::string_view(msg.payload.data(), msg.payload.size()), secret_);
    spdlog::details::log_msg copy = msg;
    copy.payload = spdlog::string_view_t(text.data(), text.size());
    inner_->log(copy);
  }
  void flush() override { inner_->flush(); }
  void set_pattern(const std::string& pattern) override {
    inner_->set_pattern(pattern);
  }
  void set_formatter(std::unique_ptr<spdlog::formatter> f) override {
    inner_->set_formatter(std::move(f));
  }
  const spdlog::sink_ptr& inner() const { return inner_; }

 private:
  spdlog::sink_ptr inner_;
  Secret secret_;
};

}  // namespace

std::string Redact(std::string_view text, const Secret& secret) {
  std::string out(text);
  // The parameter first: its value may be a longer string holding the token.
  MaskParam(&out, secret.query_param);
  if (!secret.token.empty()) {
    ReplaceAll(&out, secret.token);
    ReplaceAll(&out, PercentEncoded(secret.token, false));
    ReplaceAll(&out, PercentEncoded(secret.token, true));
  }
  return out;
}

void RedactLogs(const Secret& secret) {
  std::shared_ptr<spdlog::logger> logger = spdlog::default_logger();
  for (spdlog::sink_ptr& sink : logger->sinks()) {
    if (auto* wrapped = dynamic_cast<RedactingSink*>(sink.get()))
      sink = wrapped->inner();
    sink = std::make_shared<RedactingSink>(sink, secret);
  }
}

}  // namespace cfm
