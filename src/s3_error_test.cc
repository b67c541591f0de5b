#include "s3_error.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace cfm {
namespace {

TEST(S3ErrorTest, ClassificationTable) {
  struct Case {
    long status;
    const char* code;
    S3ErrorClass want;
  } cases[] = {
      {503, "SlowDown", S3ErrorClass::kRetry},
      {500, "InternalError", S3ErrorClass::kRetry},
      {400, "RequestTimeout", S3ErrorClass::kRetry},
      {503, "ServiceUnavailable", S3ErrorClass::kRetry},
      {400, "BadDigest", S3ErrorClass::kRetry},
      {429, "", S3ErrorClass::kRetry},
      {502, "", S3ErrorClass::kRetry},
      {504, "GatewayTimeout", S3ErrorClass::kRetry},
      {403, "AccessDenied", S3ErrorClass::kStopRun},
      {404, "NoSuchBucket", S3ErrorClass::kStopRun},
      {403, "InvalidAccessKeyId", S3ErrorClass::kStopRun},
      {403, "SignatureDoesNotMatch", S3ErrorClass::kStopRun},
      {400, "AccessControlListNotSupported", S3ErrorClass::kStopRun},
      {403, "AllAccessDisabled", S3ErrorClass::kStopRun},
      {400, "InvalidBucketName", S3ErrorClass::kStopRun},
      {301, "PermanentRedirect", S3ErrorClass::kStopRun},
      {400, "ExpiredToken", S3ErrorClass::kRefreshCredentials},
      {400, "TokenRefreshRequired", S3ErrorClass::kRefreshCredentials},
      {404, "NoSuchKey", S3ErrorClass::kFailObject},
      {400, "EntityTooLarge", S3ErrorClass::kFailObject},
      {400, "InvalidDigest", S3ErrorClass::kFailObject},
      {412, "", S3ErrorClass::kFailObject},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ClassifyS3Error(c.status, c.code), c.want)
        << c.status << " " << c.code;
  }
}

TEST(S3ErrorTest, ReadableMessageFromS3Xml) {
  const char* xml =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<Error><Code>AccessDenied</Code><Message>Access Denied</Message>"
      "<RequestId>ABC</RequestId><HostId>xyz=</HostId></Error>";
  S3Error e = S3ErrorFromResponse("PUT images/a.jpg", MakeAnswer(403, xml));
  EXPECT_EQ(e.http_status, 403);
  EXPECT_EQ(e.code, "AccessDenied");
  EXPECT_EQ(e.request_id, "ABC");
  EXPECT_EQ(e.error_class, S3ErrorClass::kStopRun);
  EXPECT_EQ(e.status.code(), Status::Code::kHttp);
  EXPECT_EQ(e.status.message(),
            "PUT images/a.jpg: 403 AccessDenied: Access Denied "
            "(request id ABC)");
}

TEST(S3ErrorTest, SignatureErrorDetailsStayOutOfTheMessage) {
  const char* xml =
      "<Error><Code>SignatureDoesNotMatch</Code><Message>The request "
      "signature we calculated does not match the signature you provided."
      "</Message><AWSAccessKeyId>AKIAEXAMPLE</AWSAccessKeyId>"
      "<StringToSign>AWS4-HMAC-SHA256\n...</StringToSign>"
      "<CanonicalRequest>PUT\n/k</CanonicalRequest><RequestID>R-9</RequestID>"
      "</Error>";
  S3Error e = S3ErrorFromResponse("PUT k", MakeAnswer(403, xml));
  EXPECT_EQ(e.error_class, S3ErrorClass::kStopRun);
  EXPECT_EQ(e.request_id, "R-9");  // moto spells it RequestID
  EXPECT_EQ(e.status.message(),
            "PUT k: 403 SignatureDoesNotMatch: The request signature we "
            "calculated does not match the signature you provided. "
            "(request id R-9)");
}

TEST(S3ErrorTest, NestedErrorResponseForm) {
  const char* xml =
      "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAccessKeyId"
      "</Code><Message>The AWS Access Key Id you provided does not exist in "
      "our records.</Message></Error><RequestId>Q</RequestId></ErrorResponse>";
  S3Error e = S3ErrorFromResponse("GET /", MakeAnswer(403, xml));
  EXPECT_EQ(e.code, "InvalidAccessKeyId");
  EXPECT_EQ(e.request_id, "Q");
  EXPECT_EQ(e.error_class, S3ErrorClass::kStopRun);
}

TEST(S3ErrorTest, BodylessResponsesDeriveCodeFromStatus) {
  S3Error e = S3ErrorFromResponse(
      "HEAD k", MakeAnswer(404, "", {{"x-amz-request-id", "HID"}}));
  EXPECT_EQ(e.code, "NoSuchKey");
  EXPECT_EQ(e.status.code(), Status::Code::kNotFound);
  EXPECT_EQ(e.status.message(),
            "HEAD k: 404 NoSuchKey: Not Found "
            "(request id HID)");
  EXPECT_EQ(S3ErrorFromResponse("HEAD k", MakeAnswer(403, "")).error_class,
            S3ErrorClass::kStopRun);
  S3Error proxy =
      S3ErrorFromResponse("PUT k", MakeAnswer(502, "<html>Bad gateway</html>"));
  EXPECT_EQ(proxy.code, "");
  EXPECT_EQ(proxy.error_class, S3ErrorClass::kRetry);
  EXPECT_EQ(proxy.status.message(), "PUT k: 502");
}

TEST(S3ErrorTest, MessagesAreOneBoundedLine) {
  std::string xml = "<Error><Code>X</Code><Message>line1\nline2" +
                    std::string(1000, 'a') + "</Message></Error>";
  S3Error e = S3ErrorFromResponse("PUT k", MakeAnswer(400, xml));
  EXPECT_EQ(e.message.find('\n'), std::string::npos);
  EXPECT_LT(e.message.size(), 310u);
  EXPECT_EQ(e.message.substr(0, 12), "line1 line2a");
}

TEST(S3ErrorTest, TransportAndCredentialErrors) {
  S3Error t = S3ErrorFromTransport(
      "PUT k", Status::Timeout("PUT host: Operation timed out"));
  EXPECT_EQ(t.error_class, S3ErrorClass::kRetry);
  EXPECT_EQ(t.http_status, 0);
  EXPECT_EQ(t.status.code(), Status::Code::kTimeout);
  EXPECT_EQ(t.status.message(), "PUT k: PUT host: Operation timed out");
  S3Error c = S3ErrorFromCredentials("PUT k", Status::Auth("no provider"));
  EXPECT_EQ(c.error_class, S3ErrorClass::kStopRun);
  EXPECT_EQ(c.status.code(), Status::Code::kAuth);
}

TEST(S3ErrorTest, ParseS3ErrorXmlRejectsOtherDocuments) {
  std::string code, message, id;
  EXPECT_FALSE(ParseS3ErrorXml("", &code, &message, &id));
  EXPECT_FALSE(ParseS3ErrorXml("<ListBucketResult/>", &code, &message, &id));
  EXPECT_FALSE(ParseS3ErrorXml("not xml <", &code, &message, &id));
}

}  // namespace
}  // namespace cfm
