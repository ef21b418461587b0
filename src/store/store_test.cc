#include "store/store.h"

#include <gtest/gtest.h>

namespace kefu::store {
namespace {

TEST(Sender, NamesRoundTrip) {
  for (Sender s : {Sender::kContact, Sender::kBot, Sender::kAgent, Sender::kSystem}) {
    EXPECT_EQ(ParseSender(SenderName(s)), s);
  }
  EXPECT_EQ(ParseSender("robot"), std::nullopt);
  EXPECT_EQ(ParseSender(""), std::nullopt);
}

}  // namespace
}  // namespace kefu::store
