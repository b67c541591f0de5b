#include "redact.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

namespace cfm {
namespace {

TEST(RedactTest, TokenAnywhereAndPercentEncoded) {
  Secret s{"t0k/en+", ""};
  EXPECT_EQ(Redact("Bearer t0k/en+ and again t0k/en+", s),
            "Bearer *** and again ***");
  EXPECT_EQ(Redact("http://a/x?key=t0k%2Fen%2B&b=1", s),
            "http://a/x?key=***&b=1");
  EXPECT_EQ(Redact("http://a/x?key=t0k%2fen%2b", s), "http://a/x?key=***");
  EXPECT_EQ(Redact("nothing secret", s), "nothing secret");
}

TEST(RedactTest, QueryParameterValueWhateverItIs) {
  Secret s{"secret", "api_key"};
  // The API may echo another key (a session key) under the same name.
  EXPECT_EQ(Redact("GET http://a/p?page=2&api_key=OTHER&x=1: HTTP 500", s),
            "GET http://a/p?page=2&api_key=***&x=1: HTTP 500");
  EXPECT_EQ(Redact("<http://a/?api_key=zz>; rel=\"next\"", s),
            "<http://a/?api_key=***>; rel=\"next\"");
  EXPECT_EQ(Redact("{\"next\":\"/p?api_key=secret\"}", s),
            "{\"next\":\"/p?api_key=***\"}");
  // Only a parameter: "my_api_key=" or a path segment is left alone.
  EXPECT_EQ(Redact("http://a/?my_api_key=1", s), "http://a/?my_api_key=1");
  EXPECT_EQ(Redact("api_key=1", s), "api_key=1");
}

TEST(RedactTest, EmptySecretChangesNothing) {
  EXPECT_EQ(Redact("a?api_key=1", Secret{}), "a?api_key=1");
}

TEST(RedactTest, LogLinesAreRedactedInEverySink) {
  std::ostringstream out;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
  sink->set_pattern("%v");
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("t", sink));
  RedactLogs(Secret{"hunter2", "key"});
  RedactLogs(Secret{"hunter2", "key"});  // twice wraps once
  spdlog::warn("GET http://a/?key=abc failed with token {}", "hunter2");
  spdlog::set_default_logger(previous);
  EXPECT_EQ(out.str(), "GET http://a/?key=*** failed with token ***\n");
}

}  // namespace
}  // namespace cfm
