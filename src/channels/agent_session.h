// The agent channel: one WebSocket connection of the agent console on
// /ws/agent, for a signed-in user (docs/protocol.md, "Agent WebSocket"):
// presence, the chats the router assigns (with the handoff summary and the
// transcript), the customers' messages of those chats live, the agent's
// replies (acknowledged once stored), resolve and return-to-bot.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "channels/widget_session.h"
#include "server/context.h"
#include "store/store.h"

namespace kefu::channels {

// Accepts the upgrade for `user` (already authenticated from the request's
// session) and serves the connection until it closes. Runs on the stream's
// executor, a strand. Never throws.
boost::asio::awaitable<void> RunAgentSession(WidgetStream ws, UpgradeRequest req,
                                             store::User user, server::Context& ctx);

}  // namespace kefu::channels
