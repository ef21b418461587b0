// kefu eval --bot as a user runs it: one JSON line for a package and a
// labelled file, exit 1 with `file:line` for a broken package or a message
// for a bad label, exit 2 for bad options.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "app/tools.h"

namespace kefu::app {
namespace {

namespace fs = std::filesystem;

void Write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

std::string List(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += "      - \"" + i + "\"\n";
  return out;
}

// A small shop package, written for this test.
fs::path WritePackage() {
  fs::path dir = fs::temp_directory_path() / ("kefu_eval_bot_" + std::to_string(getpid()));
  fs::remove_all(dir);
  Write(dir / "bot.yaml",
        "name: Test shop\nlanguages: [zh, en]\npersona: {name: Bee}\n"
        "greeting: {zh: 您好，我是机器人。, en: \"Hi, I'm a bot.\"}\n"
        "fallback: {zh: 没听懂。, en: \"Sorry?\"}\n");
  std::string intents =
      "- intent: order_status\n  description: Where an order is.\n  examples:\n    zh:\n" +
      List({"我的订单到哪了", "帮我查一下物流", "快递怎么还没到", "包裹什么时候送到",
            "订单发货了吗", "查一下订单", "我买的东西到哪儿了", "物流信息怎么看不到",
            "快递到哪里了", "我的货发出来没有", "订单现在什么状态", "东西寄出了吗",
            "帮我看看包裹在哪", "查询物流进度", "我的快递呢"}) +
      "    en:\n" +
      List({"where is my order", "track my package", "when will my parcel arrive",
            "has my order shipped", "check my order", "where's my delivery",
            "my package is not here yet", "order status please", "is my order on its way",
            "when does my package come", "tracking update please", "has it been sent out",
            "where is my stuff", "find my parcel", "status of my shipment"}) +
      "- intent: human_agent\n  description: Asks for a person.\n  examples:\n    zh:\n" +
      List({"转人工", "我要找人工客服", "让真人来跟我说", "人工服务在哪里", "帮我接通客服人员",
            "不要机器人", "叫你们客服出来", "我要和人说话", "找个真人", "人工客服", "有没有人工",
            "转接人工服务", "我想跟客服聊", "给我换人工", "真人客服在吗"}) +
      "    en:\n" +
      List({"let me talk to a human", "i want a real person", "connect me to an agent",
            "get me a human operator", "no bots please", "customer service staff please",
            "transfer me to a person", "speak to someone real", "human please",
            "is there a person there", "i need an agent", "put me through to staff", "real human",
            "talk to support staff", "can a person help me"}) +
      "- intent: out_of_scope\n  description: Not for this bot.\n  examples:\n    zh:\n" +
      List({"明天北京下雨吗", "讲个笑话", "今天股市怎么样", "头疼吃什么药", "推荐一部电影"}) +
      "    en:\n" +
      List({"what's the weather tomorrow", "tell me a joke", "how are stocks today",
            "recommend a movie", "how far is the moon"});
  Write(dir / "intents" / "all.yaml", intents);
  Write(dir / "kb" / "faq" / "faq.yaml",
        "- id: shipping_cost\n  questions:\n    zh: [运费多少, 要运费吗, 邮费怎么算]\n"
        "    en: [how much is shipping, is shipping free, what does delivery cost]\n"
        "  answer: Free over 99.\n");
  Write(dir / "eval" / "heldout.csv",
        "text,label\n我的包裹到哪了,order_status\nwhere is my parcel now,order_status\n"
        "转人工客服,human_agent\n\"how much is shipping, please\",faq:shipping_cost\n"
        "tell me a funny joke,out_of_scope\n");
  return dir;
}

int RunTool(std::vector<std::string> args, std::string* out = nullptr, std::string* err = nullptr) {
  args.insert(args.begin(), "eval");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  int rc = RunEvalBot(static_cast<int>(argv.size()), argv.data());
  std::string o = ::testing::internal::GetCapturedStdout();
  std::string e = ::testing::internal::GetCapturedStderr();
  if (out) *out = o;
  if (err) *err = e;
  return rc;
}

TEST(EvalBotTest, PrintsOneJsonLine) {
  fs::path dir = WritePackage();
  std::string out, err;
  ASSERT_EQ(RunTool({"--bot", dir.string()}, &out, &err), 0) << err;
  ASSERT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j["rows"].get<int>(), 5);
  EXPECT_EQ(j["in_scope_rows"].get<int>(), 4);
  EXPECT_EQ(j["oos_rows"].get<int>(), 1);
  for (const char* key : {"accuracy", "oos_recall", "intent_accuracy", "faq_accuracy"}) {
    ASSERT_TRUE(j[key].is_number()) << key;
    EXPECT_GE(j[key].get<double>(), 0) << key;
    EXPECT_LE(j[key].get<double>(), 1) << key;
  }
  EXPECT_EQ(j["by_script"]["zh_hans"]["rows"].get<int>(), 2);
  EXPECT_EQ(j["by_script"]["en"]["rows"].get<int>(), 3);
  EXPECT_GT(j["train_s"].get<double>(), 0);
  EXPECT_GT(j["turns_per_s"].get<double>(), 0);
  // Every wrong row is on stderr, one a line, with its label.
  int wrong = std::count(err.begin(), err.end(), '\n');
  double acc = j["accuracy"].get<double>(), recall = j["oos_recall"].get<double>();
  EXPECT_EQ(wrong, static_cast<int>(std::lround(4 * (1 - acc) + (1 - recall))));
  fs::remove_all(dir);
}

TEST(EvalBotTest, RefusesBrokenPackagesAndLabels) {
  fs::path dir = WritePackage();
  std::string err;
  Write(dir / "bad.csv", "text,label\nhello,no_such_intent\n");
  EXPECT_EQ(RunTool({"--bot", dir.string(), "--data", (dir / "bad.csv").string()}, nullptr, &err),
            1);
  EXPECT_NE(err.find("row 2: label `no_such_intent`"), std::string::npos) << err;
  EXPECT_EQ(RunTool({"--bot", dir.string(), "--data", "/nonexistent.csv"}, nullptr, &err), 1);
  Write(dir / "bot.yaml", "name: T\nlanguages: [zh, en]\npersona: {name: B}\ngreeting: G\n");
  EXPECT_EQ(RunTool({"--bot", dir.string()}, nullptr, &err), 1);
  EXPECT_NE(err.find("bot.yaml:1: fallback: missing"), std::string::npos) << err;
  fs::remove_all(dir);
}

TEST(EvalBotTest, TuneDumpsEveryHeldOutExampleOfTheFoldAsked) {
  fs::path dir = WritePackage();
  fs::path dump = dir / "dump.jsonl";
  std::string out, err;
  ASSERT_EQ(RunTool({"--bot", dir.string(), "--tune", "--fold", "0", "--dump", dump.string()}, &out,
                    &err),
            0)
      << err;
  auto best = nlohmann::json::parse(out);
  std::ifstream in(dump);
  std::string line;
  int lines = 0;
  bool saw_first_example = false;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    ++lines;
    EXPECT_FALSE(j["label"].get<std::string>().empty());
    EXPECT_TRUE(j["ranked"].is_array());
    EXPECT_TRUE(j["kb"].is_array());
    // Fold 0 holds out the first example of every intent and language.
    saw_first_example |= j["text"] == "我的订单到哪了";
  }
  EXPECT_EQ(lines, best["held_out"].get<int>());
  EXPECT_TRUE(saw_first_example);
  EXPECT_EQ(RunTool({"--bot", dir.string(), "--tune", "--fold", "5"}), 2);
  fs::remove_all(dir);
}

TEST(EvalBotTest, BadOptionsExitTwo) {
  EXPECT_EQ(RunTool({}), 2);  // --bot missing
  EXPECT_EQ(RunTool({"--bot", "x", "--intent-threshold", "1.5"}), 2);
  EXPECT_EQ(RunTool({"--bot", "x", "--no-such-option"}), 2);
}

}  // namespace
}  // namespace kefu::app
