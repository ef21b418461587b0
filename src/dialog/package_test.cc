#include "dialog/package.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "text/text.h"

namespace kefu::dialog {
namespace {

namespace fs = std::filesystem;

const std::string kShop = std::string(KEFU_SOURCE_DIR) + "/examples/shop";

TEST(BotPackage, LoadsTheShop) {
  auto analyzer = text::Analyzer::Create();
  ASSERT_TRUE(analyzer.ok());
  LoadOptions options;
  options.analyzer = analyzer->get();  // the 繁體 forms of lookups are checked too
  auto pkg = BotPackage::Load(kShop, options);
  ASSERT_TRUE(pkg.ok()) << pkg.status().message();
  EXPECT_EQ(pkg->languages, (std::vector<std::string>{"zh", "en"}));
  EXPECT_EQ(pkg->default_language, "zh");
  EXPECT_EQ(pkg->time_zone, "Asia/Shanghai");
  EXPECT_EQ(pkg->persona.tone, "warm");
  EXPECT_EQ(pkg->persona.name.at("en"), "Bee");
  EXPECT_EQ(pkg->name.at("zh"), "小蜜蜂商城客服");
  EXPECT_EQ(pkg->handoff.fallback_streak, 2);
  EXPECT_DOUBLE_EQ(pkg->handoff.anger_threshold, 0.8);
  EXPECT_EQ(pkg->handoff.human_only_intents,
            (std::vector<std::string>{"human_agent"}));
  ASSERT_TRUE(pkg->has_out_of_scope());
  EXPECT_EQ(pkg->intents.size(), 29u);  // 28 intents and out_of_scope
  EXPECT_EQ(pkg->faq.size(), 83u);
  EXPECT_EQ(pkg->entities.size(), 10u);
  EXPECT_EQ(pkg->articles.size(), 6u);
  int locked = 0;
  for (const auto& f : pkg->faq) locked += f.locked;
  EXPECT_EQ(locked, 5);

  const IntentDefinition* order = pkg->FindIntent("order_status");
  ASSERT_NE(order, nullptr);
  EXPECT_EQ(order->where.file, "intents/orders.yaml");
  EXPECT_GT(order->where.line, 1);
  EXPECT_EQ(order->examples.at("zh").front(), "我的订单到哪了");
  EXPECT_GE(order->examples.at("en").size(), 15u);

  const FaqDefinition* hk = pkg->FindFaq("shipping_hk_tw");
  ASSERT_NE(hk, nullptr);
  EXPECT_GE(hk->questions.at("zh").size(), 3u);
  EXPECT_FALSE(hk->answer.at("en").empty());

  nlu::EntityConfig entities = pkg->EntityConfig();
  EXPECT_EQ(entities.order_number_pattern, "SO\\d{11}");
  EXPECT_EQ(entities.default_time_zone, "Asia/Shanghai");
  EXPECT_EQ(entities.lookups.size(), 7u);
  EXPECT_EQ(entities.patterns.size(), 2u);  // shoe_size, tax_id; order_number replaces the built-in

  // flows/, responses/, integrations.yaml
  EXPECT_EQ(pkg->flows.size(), 5u);
  const FlowDefinition* status = pkg->FlowFor("urge_shipping");
  ASSERT_NE(status, nullptr);
  EXPECT_EQ(status->name, "order_status");
  EXPECT_EQ(status->steps.front().kind, FlowStep::Kind::kAsk);
  EXPECT_EQ(status->steps.front().entity, "order_number");
  EXPECT_EQ(pkg->base_url, "http://127.0.0.1:8091");
  const ActionDefinition* get = pkg->FindAction("get_order");
  ASSERT_NE(get, nullptr);
  EXPECT_EQ(get->url, "/api/orders/{{order_no}}");
  EXPECT_TRUE(pkg->responses.count("order_on_the_way"));
  EXPECT_TRUE(pkg->responses.at("order_on_the_way").by_tone.count("formal"));

  auto faq = pkg->FaqEntries();
  ASSERT_EQ(faq.size(), 83u);
  for (const auto& e : faq) {
    EXPECT_EQ(e.answers.size(), 2u) << e.id;
    EXPECT_TRUE(e.answers.count("zh-CN")) << e.id;
    EXPECT_TRUE(e.answers.count("en")) << e.id;
  }
  auto articles = pkg->Articles();
  ASSERT_EQ(articles.size(), 6u);
  for (const auto& a : articles) {
    bool english = a.id.size() > 3 && a.id.substr(a.id.size() - 3) == ".en";
    EXPECT_EQ(a.locale, english ? "en" : "zh-CN") << a.id;
  }
}

TEST(BotPackage, MissingFolderOrBotYamlIsNotFound) {
  auto none = BotPackage::Load("/nonexistent/kefu-bot");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), Code::kNotFound);
  fs::path dir = fs::temp_directory_path() / ("kefu_pkg_empty_" + std::to_string(getpid()));
  fs::create_directories(dir);
  auto empty = BotPackage::Load(dir.string());
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().code(), Code::kNotFound);
  EXPECT_NE(empty.status().message().find("bot.yaml"), std::string::npos);
  fs::remove_all(dir);
}

// A small valid package written by the test; each case below breaks one file.
constexpr char kBot[] = R"(name: {zh: 测试, en: Test}
languages: [zh, en]
persona:
  name: Bee
greeting: {zh: 您好，我是机器人。, en: "Hi, I'm a bot."}
fallback: {zh: 没听懂。, en: "Sorry?"}
handoff:
  human_only_intents: [human_agent]
)";

std::string Examples(const std::string& stem, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += "      - " + stem + " " + std::to_string(i) + "\n";
  return out;
}

std::string Intent(const std::string& name, int zh = 15, int en = 15) {
  return "- intent: " + name + "\n  description: " + name + " things.\n  examples:\n    zh:\n" +
         Examples("中文 " + name, zh) + "    en:\n" + Examples("english " + name, en);
}

constexpr char kFaq[] = R"(- id: shipping_cost
  tags: [shipping]
  questions:
    zh: [运费多少, 要运费吗, 邮费怎么算]
    en: [how much is shipping, is shipping free, what does delivery cost]
  answer: {zh: 满99包邮。, en: Free over 99.}
)";

constexpr char kEntities[] = R"(- entity: order_number
  kind: pattern
  pattern: 'SO\d{11}'
- entity: courier
  kind: lookup
  values:
    - value: sf
      synonyms: {en: [SF Express]}
)";

constexpr char kArticle[] = "# Guide\n\nWhat this covers.\n\n## Returns\n\nSend it back.\n";

struct Broken {
  std::string name;
  std::string file;     // relative path to (over)write
  std::string content;  // its text
  std::string expect;   // a substring of the message: "file:line: what"
};

class BrokenPackage : public ::testing::TestWithParam<Broken> {};

void Write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

fs::path WriteValidPackage(const std::string& tag) {
  fs::path dir = fs::temp_directory_path() / ("kefu_pkg_" + tag + "_" + std::to_string(getpid()));
  fs::remove_all(dir);
  Write(dir / "bot.yaml", kBot);
  Write(dir / "intents" / "a.yaml", Intent("order_status") + Intent("human_agent"));
  Write(dir / "intents" / "b.yaml", Intent("greet"));
  Write(dir / "entities" / "e.yaml", kEntities);
  Write(dir / "kb" / "faq" / "f.yaml", kFaq);
  Write(dir / "kb" / "articles" / "guide.md", kArticle);
  Write(dir / "kb" / "articles" / "guide.en.md", kArticle);
  return dir;
}

TEST(BotPackage, TheValidTestPackageLoads) {
  fs::path dir = WriteValidPackage("valid");
  auto pkg = BotPackage::Load(dir.string());
  ASSERT_TRUE(pkg.ok()) << pkg.status().message();
  EXPECT_EQ(pkg->intents.size(), 3u);
  EXPECT_EQ(pkg->time_zone, "UTC");  // the default
  EXPECT_EQ(pkg->persona.tone, "warm");
  EXPECT_EQ(pkg->persona.name.at("zh"), "Bee");  // one string for every language
  EXPECT_EQ(pkg->default_language, "zh");
  EXPECT_FALSE(pkg->has_out_of_scope());
  ASSERT_EQ(pkg->articles.size(), 2u);
  EXPECT_EQ(pkg->articles[0].id, "guide.en");
  EXPECT_EQ(pkg->articles[0].language, "en");
  EXPECT_EQ(pkg->articles[1].language, "zh");
  fs::remove_all(dir);
}

TEST(BotPackage, RoutingRulesAndVipTiersLoad) {
  fs::path dir = WriteValidPackage("routing");
  Write(dir / "bot.yaml", std::string(kBot) + "  vip_tiers: [vip, gold]\n");
  Write(dir / "intents" / "b.yaml", Intent("greet") + "  handoff: {queue: senior, priority: 2}\n");
  auto pkg = BotPackage::Load(dir.string());
  ASSERT_TRUE(pkg.ok()) << pkg.status().message();
  EXPECT_EQ(pkg->handoff.vip_tiers, (std::vector<std::string>{"vip", "gold"}));
  const IntentDefinition* greet = pkg->FindIntent("greet");
  ASSERT_NE(greet, nullptr);
  EXPECT_EQ(greet->handoff_queue, "senior");
  EXPECT_EQ(greet->handoff_priority, 2);
  EXPECT_TRUE(pkg->FindIntent("order_status")->handoff_queue.empty());
  fs::remove_all(dir);
}

TEST_P(BrokenPackage, IsRefusedWithFileAndLine) {
  const Broken& b = GetParam();
  fs::path dir = WriteValidPackage(b.name);
  Write(dir / b.file, b.content);
  auto pkg = BotPackage::Load(dir.string());
  ASSERT_FALSE(pkg.ok()) << b.name << " loaded";
  EXPECT_EQ(pkg.status().code(), Code::kInvalidArgument);
  EXPECT_NE(pkg.status().message().find(b.expect), std::string::npos)
      << "want: " << b.expect << "\ngot: " << pkg.status().message();
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(
    Table, BrokenPackage,
    ::testing::Values(
        Broken{"unknown_field", "bot.yaml", std::string(kBot) + "fallbak: oops\n",
               "bot.yaml:9: unknown field `fallbak`"},
        Broken{"unknown_persona_field", "bot.yaml",
               std::string(kBot) + "compliance:\n  forbidden: []\n",
               "bot.yaml:10: compliance: unknown field `forbidden`"},
        Broken{"missing_greeting", "bot.yaml",
               "name: T\nlanguages: [zh, en]\npersona: {name: B}\nfallback: F\n",
               "bot.yaml:1: greeting: missing"},
        Broken{"text_map_without_language", "bot.yaml",
               "name: T\nlanguages: [zh, en]\npersona: {name: B}\ngreeting: G\n"
               "fallback: {zh: 没听懂}\n",
               "bot.yaml:5: fallback: no `en` text"},
        Broken{"text_map_extra_language", "bot.yaml",
               "name: {zh: a, en: b, fr: c}\nlanguages: [zh, en]\npersona: {name: B}\n"
               "greeting: G\nfallback: F\n",
               "bot.yaml:1: name: language `fr` is not in bot.yaml languages"},
        Broken{"bad_tone", "bot.yaml",
               "name: T\nlanguages: [zh, en]\npersona:\n  name: B\n  tone: grumpy\n"
               "greeting: G\nfallback: F\n",
               "bot.yaml:5: persona.tone: must be warm, formal or brief"},
        Broken{"bad_default_language", "bot.yaml",
               "name: T\nlanguages: [zh, en]\ndefault_language: fr\npersona: {name: B}\n"
               "greeting: G\nfallback: F\n",
               "bot.yaml:3: default_language: `fr` is not one of languages"},
        Broken{"bad_time_zone", "bot.yaml",
               "name: T\nlanguages: [zh, en]\ntime_zone: Mars/Olympus\npersona: {name: B}\n"
               "greeting: G\nfallback: F\n",
               "bot.yaml:3: time_zone: `Mars/Olympus` is no IANA time zone"},
        Broken{"bad_streak", "bot.yaml",
               "name: T\nlanguages: [zh, en]\npersona: {name: B}\ngreeting: G\nfallback: F\n"
               "handoff:\n  fallback_streak: 0\n",
               "bot.yaml:7: handoff.fallback_streak: must be an integer >= 1"},
        Broken{"human_only_unknown_intent", "bot.yaml",
               "name: T\nlanguages: [zh, en]\npersona: {name: B}\ngreeting: G\nfallback: F\n"
               "handoff:\n  human_only_intents: [human_agent, refund_me]\n",
               "bot.yaml:7: handoff.human_only_intents: no intent `refund_me`"},
        Broken{"yaml_syntax", "bot.yaml", "name: [unclosed\nlanguages: [zh, en]\n", "bot.yaml:"},
        Broken{"duplicate_intent_across_files", "intents/b.yaml",
               Intent("greet") + Intent("order_status"),
               "intents/b.yaml:36: intent order_status: defined twice (also at intents/a.yaml:1)"},
        Broken{"bad_intent_name", "intents/b.yaml", Intent("Greet-Me"),
               "intents/b.yaml:1: intent `Greet-Me`: a name is made of a-z, 0-9 and _"},
        Broken{"too_few_examples", "intents/b.yaml", Intent("greet", 15, 4),
               "intents/b.yaml:21: intent greet: 4 en examples, at least 15"},
        Broken{"empty_example_list", "intents/b.yaml",
               "- intent: greet\n  description: Hello.\n  examples:\n    zh: []\n    en: []\n",
               "intents/b.yaml:4: intent greet: no zh examples"},
        Broken{"intent_without_description", "intents/b.yaml",
               "- intent: greet\n  examples:\n    zh: [a]\n",
               "intents/b.yaml:1: intent greet: description: missing"},
        Broken{"intent_unknown_field", "intents/b.yaml", Intent("greet") + "  exemples: {}\n",
               "intents/b.yaml:36: intent greet: unknown field `exemples`"},
        Broken{"intent_routing_unknown_field", "intents/b.yaml",
               Intent("greet") + "  handoff: {queue: senior, team: red}\n",
               "intents/b.yaml:36: intent greet: handoff: unknown field `team`"},
        Broken{"intent_routing_bad_priority", "intents/b.yaml",
               Intent("greet") + "  handoff: {queue: senior, priority: 11}\n",
               "intents/b.yaml:36: intent greet: handoff.priority: must be an integer from 0 to 10"},
        Broken{"intent_routing_not_a_map", "intents/b.yaml",
               Intent("greet") + "  handoff: senior\n",
               "intents/b.yaml:36: intent greet: handoff: must be a map {queue, priority}"},
        Broken{"vip_tiers_not_a_list", "bot.yaml",
               "name: T\nlanguages: [zh, en]\npersona: {name: B}\ngreeting: G\nfallback: F\n"
               "handoff:\n  vip_tiers: vip\n",
               "bot.yaml:7: handoff.vip_tiers: must be a list of tier names"},
        Broken{"example_in_two_intents", "intents/b.yaml",
               "- intent: greet\n  description: Hello.\n  examples:\n    zh:\n" +
                   Examples("中文 greet", 14) + "      - 中文 Order_Status 3!\n    en:\n" +
                   Examples("english greet", 15),
               "intents/b.yaml:19: intent greet: example `中文 Order_Status 3!` is also an "
               "example of intent order_status"},
        Broken{"intent_language_not_spoken", "intents/b.yaml",
               Intent("greet") + "    fr: [bonjour]\n",
               "intents/b.yaml:36: intent greet: examples: language `fr` is not in bot.yaml"},
        Broken{"intents_not_a_list", "intents/b.yaml", "intent: greet\n",
               "intents/b.yaml:1: must be a list of intents"},
        Broken{"bad_regex", "entities/e.yaml",
               "- entity: membership\n  kind: pattern\n  pattern: 'VIP(\\d{6}'\n",
               "entities/e.yaml:3: entity membership: pattern does not compile"},
        Broken{"regex_matches_empty", "entities/e.yaml",
               "- entity: membership\n  kind: pattern\n  pattern: '\\d*'\n",
               "entities/e.yaml:3: entity membership: pattern matches the empty text"},
        Broken{"built_in_entity_name", "entities/e.yaml",
               "- entity: phone\n  kind: pattern\n  pattern: '\\d+'\n",
               "entities/e.yaml:1: entity phone: the name of a built-in entity"},
        Broken{"bad_kind", "entities/e.yaml", "- entity: colour\n  kind: list\n",
               "entities/e.yaml:2: entity colour: kind must be lookup or pattern"},
        Broken{"shared_synonym", "entities/e.yaml",
               "- entity: courier\n  kind: lookup\n  values:\n    - value: sf\n"
               "      synonyms: {en: [SF]}\n    - value: sfx\n      synonyms: {en: [sf]}\n",
               "entities/e.yaml:7: entity courier: synonym `sf` of both sf and sfx"},
        Broken{"duplicate_entity_across_files", "entities/z.yaml",
               "- entity: courier\n  kind: lookup\n  values:\n    - value: jd\n",
               "entities/z.yaml:1: entity courier: defined twice (also at entities/e.yaml:4)"},
        Broken{"duplicate_faq_id_across_files", "kb/faq/g.yaml", kFaq,
               "kb/faq/g.yaml:1: faq shipping_cost: id used twice (also at kb/faq/f.yaml:1)"},
        Broken{"too_few_questions", "kb/faq/f.yaml",
               "- id: shipping_cost\n  questions:\n    zh: [运费多少, 要运费吗, 邮费怎么算]\n"
               "    en: [how much is shipping]\n  answer: A\n",
               "kb/faq/f.yaml:4: faq shipping_cost: 1 en questions, at least 3"},
        Broken{"faq_answer_missing_language", "kb/faq/f.yaml",
               "- id: shipping_cost\n  questions:\n    zh: [运费多少, 要运费吗, 邮费怎么算]\n"
               "    en: [a b, c d, e f]\n  answer: {en: A}\n",
               "kb/faq/f.yaml:5: faq shipping_cost: answer: no `zh` text"},
        Broken{"faq_question_is_intent_example", "kb/faq/f.yaml",
               "- id: shipping_cost\n  questions:\n    zh: [运费多少, 要运费吗, 中文 greet 2]\n"
               "    en: [a b, c d, e f]\n  answer: A\n",
               "kb/faq/f.yaml:3: faq shipping_cost: question `中文 greet 2` is an example of "
               "intent greet"},
        Broken{"faq_locked_not_boolean", "kb/faq/f.yaml",
               "- id: shipping_cost\n  locked: maybe\n  questions:\n    zh: [运费多少, 要运费吗, "
               "邮费怎么算]\n    en: [a b, c d, e f]\n  answer: A\n",
               "kb/faq/f.yaml:2: faq shipping_cost: locked must be true or false"},
        Broken{"faq_bad_id", "kb/faq/f.yaml",
               "- id: Shipping Cost\n  questions:\n    zh: [运费多少, 要运费吗, 邮费怎么算]\n"
               "    en: [a b, c d, e f]\n  answer: A\n",
               "kb/faq/f.yaml:1: faq Shipping Cost: an id is made of a-z, 0-9 and _"},
        Broken{"article_empty_section", "kb/articles/guide.md",
               "# Guide\n\nAbout.\n\n## Returns\n\n## Refunds\n\nMoney.\n",
               "kb/articles/guide.md:5: section `## Returns` is empty"},
        Broken{"article_without_sections", "kb/articles/guide.md", "# Guide\n\nAbout.\n",
               "kb/articles/guide.md:1: no `## ` heading"},
        Broken{"article_unknown_language", "kb/articles/guide.fr.md", kArticle,
               "kb/articles/guide.fr.md:1: the name must be NAME.md or NAME.LANG.md"}),
    [](const ::testing::TestParamInfo<Broken>& info) { return info.param.name; });

TEST(BotPackage, EveryProblemIsReportedAtOnce) {
  fs::path dir = WriteValidPackage("many");
  Write(dir / "bot.yaml", std::string(kBot) + "fallbak: oops\n");
  Write(dir / "intents" / "b.yaml", Intent("greet", 15, 3));
  Write(dir / "entities" / "e.yaml", "- entity: m\n  kind: pattern\n  pattern: '('\n");
  auto pkg = BotPackage::Load(dir.string());
  ASSERT_FALSE(pkg.ok());
  const std::string m = pkg.status().message();
  EXPECT_NE(m.find("3 problem(s)"), std::string::npos) << m;
  EXPECT_NE(m.find("bot.yaml:9:"), std::string::npos) << m;
  EXPECT_NE(m.find("intents/b.yaml:"), std::string::npos) << m;
  EXPECT_NE(m.find("entities/e.yaml:3:"), std::string::npos) << m;
  fs::remove_all(dir);
}

TEST(BotPackage, AnUnreadableBotYamlIsOneProblemNotMany) {
  fs::path dir = WriteValidPackage("unreadable");
  Write(dir / "bot.yaml", "name: [unclosed\nlanguages: [zh, en]\n");
  auto pkg = BotPackage::Load(dir.string());
  ASSERT_FALSE(pkg.ok());
  const std::string m = pkg.status().message();
  EXPECT_NE(m.find("1 problem(s)"), std::string::npos) << m;
  EXPECT_NE(m.find("bot.yaml:"), std::string::npos) << m;
  Write(dir / "bot.yaml",
        "name: T\nlanguages: [zh, zh]\npersona: {name: B}\ngreeting: G\nfallback: F\n");
  pkg = BotPackage::Load(dir.string());
  ASSERT_FALSE(pkg.ok());
  EXPECT_NE(pkg.status().message().find("bot.yaml:2: languages: `zh` listed twice"),
            std::string::npos)
      << pkg.status().message();
  fs::remove_all(dir);
}

TEST(BotPackage, ChineseLookupSynonymsNeedTheirTraditionalForms) {
  auto analyzer = text::Analyzer::Create();
  ASSERT_TRUE(analyzer.ok());
  fs::path dir = WriteValidPackage("hant");
  Write(dir / "entities" / "e.yaml",
        "- entity: courier\n  kind: lookup\n  values:\n    - value: sf\n"
        "      synonyms: {zh: [顺丰]}\n");
  LoadOptions options;
  options.analyzer = analyzer->get();
  auto pkg = BotPackage::Load(dir.string(), options);
  ASSERT_FALSE(pkg.ok());
  EXPECT_NE(pkg.status().message().find("entities/e.yaml:5: entity courier.sf: add the 繁體 "
                                        "forms 順豐"),
            std::string::npos)
      << pkg.status().message();
  // Without an analyzer that check is skipped.
  EXPECT_TRUE(BotPackage::Load(dir.string()).ok());
  Write(dir / "entities" / "e.yaml",
        "- entity: courier\n  kind: lookup\n  values:\n    - value: sf\n"
        "      synonyms: {zh: [顺丰, 順豐]}\n");
  EXPECT_TRUE(BotPackage::Load(dir.string(), options).ok());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace kefu::dialog
