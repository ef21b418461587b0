#include "conversation/views.h"

#include <gtest/gtest.h>

namespace kefu::conversation {
namespace {

store::Message BotMessage(std::string payload) {
  store::Message m;
  m.id = 9;
  m.conversation_id = 3;
  m.seq = 4;
  m.sender = store::Sender::kBot;
  m.text = "您是想问 A 还是 B？";
  m.payload_json = std::move(payload);
  return m;
}

TEST(MessageView, CustomersSeeQuickRepliesButNotThePayload) {
  store::Message m = BotMessage(R"({"nlu":{"policy":"clarify"},"quick_replies":["运费怎么算","多久发货"]})");
  Json customer = MessageView(m);
  EXPECT_FALSE(customer.contains("payload"));
  ASSERT_TRUE(customer.contains("quick_replies"));
  EXPECT_EQ(customer["quick_replies"], Json::array({"运费怎么算", "多久发货"}));
  Json staff = MessageView(m, Audience::kStaff);
  EXPECT_EQ(staff["payload"]["nlu"]["policy"], "clarify");
  EXPECT_EQ(staff["quick_replies"].size(), 2u);
}

TEST(MessageView, NoQuickRepliesWithoutThemOrFromOthers) {
  EXPECT_FALSE(MessageView(BotMessage(R"({"nlu":{}})")).contains("quick_replies"));
  EXPECT_FALSE(MessageView(BotMessage("")).contains("quick_replies"));
  EXPECT_EQ(MessageView(BotMessage(""), Audience::kStaff)["payload"], Json::object());
  EXPECT_FALSE(MessageView(BotMessage(R"({"quick_replies":"x"})")).contains("quick_replies"));
  store::Message contact = BotMessage(R"({"quick_replies":["a"]})");
  contact.sender = store::Sender::kContact;
  EXPECT_FALSE(MessageView(contact).contains("quick_replies"));
}

}  // namespace
}  // namespace kefu::conversation
