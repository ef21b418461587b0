// kefu eval-emotion as a user runs it: one JSON line for a good file, exit 1
// with a message for a bad one, exit 2 for bad options.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "app/tools.h"

namespace kefu::app {
namespace {

std::string Write(const std::string& name, const std::string& text) {
  std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

int RunTool(std::vector<std::string> args, std::string* out = nullptr, std::string* err = nullptr) {
  args.insert(args.begin(), "eval-emotion");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  int rc = RunEvalEmotion(static_cast<int>(argv.size()), argv.data());
  std::string o = ::testing::internal::GetCapturedStdout();
  std::string e = ::testing::internal::GetCapturedStderr();
  if (out) *out = o;
  if (err) *err = e;
  return rc;
}

TEST(EvalEmotionTest, PrintsOneJsonLineWithEveryLabel) {
  std::string test = Write("emotion-test.csv",
                           "text,label\n"
                           "\"你们这什么破服务，我要投诉！\",anger\n"
                           "快递三天了还没到，急用啊,anxiety\n"
                           "太失望了,sadness\n"
                           "\"Thanks, that solved it!\",joy\n"
                           "我想查订单,neutral\n"
                           "谢谢,Joy\n");
  std::string out;
  ASSERT_EQ(RunTool({"--test", test}, &out), 0);
  ASSERT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  auto j = nlohmann::json::parse(out);
  EXPECT_DOUBLE_EQ(j["accuracy"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(j["macro_f1"].get<double>(), 1.0);
  for (const char* label : {"anger", "anxiety", "sadness", "joy", "neutral"})
    EXPECT_DOUBLE_EQ(j[std::string("recall_") + label].get<double>(), 1.0) << label;
  EXPECT_EQ(j["rows"].get<int>(), 6);
  EXPECT_FALSE(j["trained"].get<bool>());
}

TEST(EvalEmotionTest, TrainsAndCrossValidates) {
  std::string rows = "text,label\n";
  for (int i = 0; i < 20; ++i) {
    rows += "zorp number " + std::to_string(i) + ",anger\n";
    rows += "blick number " + std::to_string(i) + ",neutral\n";
  }
  std::string data = Write("emotion-train.csv", rows);
  std::string out;
  ASSERT_EQ(RunTool({"--test", data, "--train", data}, &out), 0);
  auto trained = nlohmann::json::parse(out);
  EXPECT_TRUE(trained["trained"].get<bool>());
  EXPECT_GT(trained["accuracy"].get<double>(), 0.9);
  EXPECT_TRUE(trained["recall_joy"].is_null());  // no joy in the test set

  ASSERT_EQ(RunTool({"--test", data, "--folds", "5"}, &out), 0);
  auto folded = nlohmann::json::parse(out);
  EXPECT_EQ(folded["folds"].get<int>(), 5);
  EXPECT_GT(folded["accuracy"].get<double>(), 0.9);
}

TEST(EvalEmotionTest, BadFilesExitOneWithAMessage) {
  struct Bad {
    std::string path;
    const char* says;
  };
  const Bad bad[] = {
      {"/nonexistent/emotion.csv", "cannot open"},
      {Write("no-label.csv", "text,category\nhi,joy\n"), "`label`"},
      {Write("bad-label.csv", "text,label\nhi,joy\nwow,surprise\n"), "row 3"},
      {Write("empty.csv", "text,label\n"), "no rows"},
      {Write("broken.csv", "text,label\n\"unterminated,joy\n"), "broken.csv"},
  };
  for (const Bad& b : bad) {
    std::string out, err;
    EXPECT_EQ(RunTool({"--test", b.path}, &out, &err), 1) << b.path;
    EXPECT_TRUE(out.empty()) << b.path;
    EXPECT_NE(err.find(b.says), std::string::npos) << err;
  }
  std::string good = Write("good.csv", "text,label\nhi,neutral\n");
  std::string err;
  EXPECT_EQ(RunTool({"--test", good, "--train", "/nonexistent/train.csv"}, nullptr, &err), 1);
  EXPECT_NE(err.find("train.csv"), std::string::npos);
}

TEST(EvalEmotionTest, BadOptionsExitTwo) {
  std::string good = Write("good2.csv", "text,label\nhi,neutral\n");
  EXPECT_EQ(RunTool({}), 2);                                                 // --test missing
  EXPECT_EQ(RunTool({"--test", good, "--folds", "1"}), 2);                   // below 2
  EXPECT_EQ(RunTool({"--test", good, "--folds", "5", "--train", good}), 2);  // exclusive
  EXPECT_EQ(RunTool({"--test", good, "--no-such-option"}), 2);
}

}  // namespace
}  // namespace kefu::app
