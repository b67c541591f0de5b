#include <gtest/gtest.h>

#include "s3_request.h"

namespace cfm {
namespace {

HttpResponse Response(long status, std::string body, HeaderList headers = {}) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  return r;
}

TEST(S3ResponseTest, PutObjectReturnsEtagAndChecksum) {
  auto r = ParsePutObject(
      "PUT k",
      Response(200, "",
               {{"etag", "\"abc\""}, {"x-amz-checksum-crc32c", "yZRlqg=="}}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->etag, "\"abc\"");
  EXPECT_EQ(r->checksum_crc32c, "yZRlqg==");
  auto missing = ParsePutObject("PUT k", Response(200, ""));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error_class(), S3ErrorClass::kRetry);
  EXPECT_EQ(missing.status().message(), "PUT k: 200 no ETag header");
}

TEST(S3ResponseTest, PutObjectErrorIsParsed) {
  auto r = ParsePutObject(
      "PUT k", Response(503,
                        "<Error><Code>SlowDown</Code><Message>Please "
                        "reduce your request rate.</Message></Error>"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "SlowDown");
  EXPECT_EQ(r.error_class(), S3ErrorClass::kRetry);
}

TEST(S3ResponseTest, ListObjectsV2DecodesUrlEncodedKeys) {
  const char* xml = R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>dest</Name><Prefix>images/</Prefix><KeyCount>2</KeyCount>
  <MaxKeys>2</MaxKeys><EncodingType>url</EncodingType>
  <IsTruncated>true</IsTruncated>
  <Contents><Key>images/a+b%2Bc%C3%A9.jpg</Key><Size>12</Size>
    <ETag>&quot;e1&quot;</ETag></Contents>
  <Contents><Key>images/x%20y</Key><Size>18446744073709551615</Size>
    <ETag>"e2-3"</ETag></Contents>
  <NextContinuationToken>tok/1=</NextContinuationToken>
</ListBucketResult>)";
  auto r = ParseListObjectsV2("LIST", Response(200, xml));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->objects.size(), 2u);
  EXPECT_EQ(r->objects[0].key, "images/a b+c\xC3\xA9.jpg");
  EXPECT_EQ(r->objects[0].size, 12u);
  EXPECT_EQ(r->objects[0].etag, "\"e1\"");
  EXPECT_EQ(r->objects[1].key, "images/x y");
  EXPECT_EQ(r->objects[1].size, 18446744073709551615ull);
  EXPECT_TRUE(r->is_truncated);
  EXPECT_EQ(r->next_continuation_token, "tok/1=");
}

TEST(S3ResponseTest, ListObjectsV2LastPageAndMalformed) {
  auto last = ParseListObjectsV2(
      "LIST", Response(200,
                       "<ListBucketResult><IsTruncated>false</IsTruncated>"
                       "<Contents><Key>a+b</Key><Size>1</Size></Contents>"
                       "</ListBucketResult>"));
  ASSERT_TRUE(last.ok());
  EXPECT_EQ(last->objects[0].key, "a+b");  // not url-encoded: left alone
  EXPECT_FALSE(last->is_truncated);
  EXPECT_EQ(last->next_continuation_token, "");
  for (const char* bad :
       {"<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>",
        "<ListBucketResult><Contents><Key>a</Key><Size>x</Size></Contents>"
        "</ListBucketResult>",
        "<ListBucketResult><Contents>", ""}) {
    auto r = ParseListObjectsV2("LIST", Response(200, bad));
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, "MalformedResponse");
  }
}

TEST(S3ResponseTest, CreateMultipartUploadReadsUploadId) {
  auto r = ParseCreateMultipartUpload(
      "POST k",
      Response(200,
               "<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key>"
               "<UploadId>VXBsb2FkIElE</UploadId>"
               "</InitiateMultipartUploadResult>"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "VXBsb2FkIElE");
  EXPECT_FALSE(
      ParseCreateMultipartUpload("POST k", Response(200, "<x/>")).ok());
}

TEST(S3ResponseTest, CompleteMultipartUploadErrorInsideA200) {
  auto ok = ParseCompleteMultipartUpload(
      "POST k", Response(200,
                         "<CompleteMultipartUploadResult><ETag>&quot;e-2&quot;"
                         "</ETag></CompleteMultipartUploadResult>"));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, "\"e-2\"");
  auto moto = ParseCompleteMultipartUpload(
      "POST k", Response(200,
                         "<CompleteMultipartUploadResponse xmlns=\"x\"><ETag>"
                         "\"m-1\"</ETag></CompleteMultipartUploadResponse>"));
  ASSERT_TRUE(moto.ok());
  EXPECT_EQ(*moto, "\"m-1\"");
  EXPECT_FALSE(ParseCompleteMultipartUpload(
                   "POST k", Response(200, "<Other><ETag>x</ETag></Other>"))
                   .ok());
  auto err = ParseCompleteMultipartUpload(
      "POST k", Response(200,
                         "<?xml version=\"1.0\"?>\n<Error><Code>InternalError"
                         "</Code><Message>We encountered an internal error."
                         "</Message><RequestId>R1</RequestId></Error>"));
  ASSERT_FALSE(err.ok());
  EXPECT_EQ(err.error().code, "InternalError");
  EXPECT_EQ(err.error_class(), S3ErrorClass::kRetry);
}

TEST(S3ResponseTest, HeadObjectAndGetObject) {
  auto head =
      ParseHeadObject("HEAD k", Response(200, "",
                                         {{"content-length", "1234"},
                                          {"etag", "\"e\""},
                                          {"content-type", "image/png"}}));
  ASSERT_TRUE(head.ok());
  EXPECT_EQ(head->size, 1234u);
  EXPECT_EQ(head->content_type, "image/png");
  auto missing = ParseHeadObject("HEAD k", Response(404, ""));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Status::Code::kNotFound);
  EXPECT_EQ(missing.error().code, "NoSuchKey");

  auto get =
      ParseGetObject("GET k", Response(206, "abc", {{"content-length", "3"}}));
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(get->body, "abc");
  EXPECT_EQ(get->info.size, 3u);
  auto short_body =
      ParseGetObject("GET k", Response(200, "ab", {{"content-length", "3"}}));
  EXPECT_FALSE(short_body.ok());
  EXPECT_TRUE(ParseEmpty("DELETE k", Response(204, "")).ok());
}

}  // namespace
}  // namespace cfm
